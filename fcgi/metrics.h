// Metrics: the responder's counters in the Prometheus text format (served at
// metrics_path): requests by status, request time by route and cache result, cache
// results, bytes served, FastCGI connections accepted, origin fetch and resize time
// histograms, in-flight and waiting work, the bytes kept in memory, the cache's size as the
// cache manager last saw it, config reloads, and the process's memory, descriptors and CPU.
// Thread-safe; recording is lock-free except for the histograms' short critical section.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace imgcache {

class Histogram {
 public:
  void observe(double seconds);
  // Appends the _bucket, _sum and _count lines of `name`, each with `labels` (`a="b",…`)
  // first when given.
  void render(const std::string& name, std::string& out, const std::string& labels = "") const;

 private:
  static constexpr std::array<double, 11> kBounds = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                     0.5,   1,    2.5,   5,    10};
  mutable std::mutex mutex_;
  std::array<std::uint64_t, kBounds.size()> buckets_{};
  std::uint64_t count_ = 0;
  double sum_ = 0;
};

class Metrics {
 public:
  // `version` is reported as the build_info metric's label.
  explicit Metrics(std::string version) : version_(std::move(version)) {}

  // route: "image", "info", "health", "metrics" or "other"; cache: the X-Cache value, or
  // empty when the answer had none.
  void record_request(int status, const std::string& route, const std::string& cache,
                      std::uint64_t bytes, double seconds);
  void record_connection() { ++connections_; }
  void record_fetch(double ms);
  void record_render(double ms);
  // Time a miss waited, from being read to a worker starting on it.
  void record_queue_wait(double ms);
  void set_cache_size(std::uint64_t entries, std::uint64_t bytes);
  void set_waiting(std::size_t requests) { waiting_ = requests; }
  void record_reload(bool loaded) { ++(loaded ? reloads_ : failed_reloads_); }
  // With the work running now and the bytes of entries kept in memory.
  std::string render(unsigned inflight, std::uint64_t memory_cache_bytes) const;

 private:
  const std::string version_;
  mutable std::mutex mutex_;
  std::map<int, std::uint64_t> requests_by_status_;
  std::map<std::string, std::uint64_t> cache_results_;
  std::map<std::pair<std::string, std::string>, Histogram> durations_;  // by route, cache
  std::atomic<std::uint64_t> bytes_served_{0};
  std::atomic<std::uint64_t> connections_{0};
  std::atomic<std::uint64_t> cache_entries_{0};
  std::atomic<std::uint64_t> cache_bytes_{0};
  std::atomic<bool> cache_size_known_{false};
  std::atomic<std::size_t> waiting_{0};
  std::atomic<std::uint64_t> reloads_{0};
  std::atomic<std::uint64_t> failed_reloads_{0};
  Histogram fetch_;
  Histogram render_;
  Histogram queue_wait_;
};

}  // namespace imgcache
