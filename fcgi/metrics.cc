#include "fcgi/metrics.h"

#include <cstdio>

namespace imgcache {
namespace {

std::string number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.6g", value);
  return buffer;
}

void header(std::string& out, const char* name, const char* type, const char* help) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

}  // namespace

void Histogram::observe(double seconds) {
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < kBounds.size(); ++i) {
    if (seconds <= kBounds[i]) ++buckets_[i];
  }
  ++count_;
  sum_ += seconds;
}

void Histogram::render(const std::string& name, std::string& out) const {
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < kBounds.size(); ++i) {
    out +=
        name + "_bucket{le=\"" + number(kBounds[i]) + "\"} " + std::to_string(buckets_[i]) + "\n";
  }
  out += name + "_bucket{le=\"+Inf\"} " + std::to_string(count_) + "\n";
  out += name + "_sum " + number(sum_) + "\n";
  out += name + "_count " + std::to_string(count_) + "\n";
}

void Metrics::record_request(int status, const std::string& cache, std::uint64_t bytes) {
  bytes_served_ += bytes;
  std::lock_guard lock(mutex_);
  ++requests_by_status_[status];
  if (!cache.empty()) ++cache_results_[cache];
}

void Metrics::record_fetch(double ms) { fetch_.observe(ms / 1000); }
void Metrics::record_render(double ms) { render_.observe(ms / 1000); }
void Metrics::record_queue_wait(double ms) { queue_wait_.observe(ms / 1000); }

void Metrics::set_cache_size(std::uint64_t entries, std::uint64_t bytes) {
  cache_entries_ = entries;
  cache_bytes_ = bytes;
  cache_size_known_ = true;
}

std::string Metrics::render(unsigned inflight, std::uint64_t memory_cache_bytes) const {
  std::string out;
  header(out, "imgcache_build_info", "gauge", "The running build; its version is the label.");
  out += "imgcache_build_info{version=\"" + version_ + "\"} 1\n";
  {
    std::lock_guard lock(mutex_);
    header(out, "imgcache_requests_total", "counter", "Requests answered, by HTTP status.");
    for (const auto& [status, count] : requests_by_status_) {
      out += "imgcache_requests_total{status=\"" + std::to_string(status) + "\"} " +
             std::to_string(count) + "\n";
    }
    header(out, "imgcache_cache_results_total", "counter",
           "Image answers by cache result (HIT, MISS, EXPIRED, REVALIDATED, STALE).");
    for (const auto& [result, count] : cache_results_) {
      out +=
          "imgcache_cache_results_total{result=\"" + result + "\"} " + std::to_string(count) + "\n";
    }
  }
  header(out, "imgcache_bytes_served_total", "counter", "Body bytes written by the responder.");
  out += "imgcache_bytes_served_total " + std::to_string(bytes_served_.load()) + "\n";
  header(out, "imgcache_connections_total", "counter",
         "FastCGI connections accepted; a kept connection counts once for all its requests.");
  out += "imgcache_connections_total " + std::to_string(connections_.load()) + "\n";
  header(out, "imgcache_origin_fetch_seconds", "histogram", "Time to fetch a source image.");
  fetch_.render("imgcache_origin_fetch_seconds", out);
  header(out, "imgcache_resize_seconds", "histogram", "Time to decode, resize and encode.");
  render_.render("imgcache_resize_seconds", out);
  header(out, "imgcache_inflight", "gauge", "Origin fetches and resizes running now.");
  out += "imgcache_inflight " + std::to_string(inflight) + "\n";
  header(out, "imgcache_queue_wait_seconds", "histogram",
         "Time a miss waited in the queue before a worker started on it.");
  queue_wait_.render("imgcache_queue_wait_seconds", out);
  header(out, "imgcache_waiting", "gauge",
         "Misses queued: waiting for a worker, or for another request's work on the same image.");
  out += "imgcache_waiting " + std::to_string(waiting_.load()) + "\n";
  header(out, "imgcache_memory_cache_bytes", "gauge",
         "Bytes of cache entries kept in memory (memory_cache_size).");
  out += "imgcache_memory_cache_bytes " + std::to_string(memory_cache_bytes) + "\n";
  if (cache_size_known_) {
    header(out, "imgcache_cache_entries", "gauge", "Entries in the cache at the last manager run.");
    out += "imgcache_cache_entries " + std::to_string(cache_entries_.load()) + "\n";
    header(out, "imgcache_cache_bytes", "gauge",
           "Disk bytes of the cache at the last manager run.");
    out += "imgcache_cache_bytes " + std::to_string(cache_bytes_.load()) + "\n";
  }
  return out;
}

}  // namespace imgcache
