#include "fcgi/metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

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

// The process's own figures under the names Prometheus client libraries use.
void render_process(std::string& out) {
  long pages = 0, resident = 0;
  if (std::ifstream statm("/proc/self/statm"); statm >> pages >> resident) {
    header(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
    out += "process_resident_memory_bytes " + std::to_string(resident * ::sysconf(_SC_PAGESIZE)) +
           "\n";
  }
  if (DIR* fds = ::opendir("/proc/self/fd")) {
    long open = -1;  // the directory's own descriptor is among them
    while (const dirent* entry = ::readdir(fds)) open += entry->d_name[0] != '.';
    ::closedir(fds);
    header(out, "process_open_fds", "gauge", "Number of open file descriptors.");
    out += "process_open_fds " + std::to_string(open) + "\n";
  }
  rlimit files{};
  if (::getrlimit(RLIMIT_NOFILE, &files) == 0) {
    header(out, "process_max_fds", "gauge", "Maximum number of open file descriptors.");
    out += "process_max_fds " + std::to_string(files.rlim_cur) + "\n";
  }
  rusage usage{};
  if (::getrusage(RUSAGE_SELF, &usage) == 0) {
    const double seconds =
        static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
        static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
    header(out, "process_cpu_seconds_total", "counter",
           "Total user and system CPU time spent in seconds.");
    out += "process_cpu_seconds_total " + number(seconds) + "\n";
  }
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

void Histogram::render(const std::string& name, std::string& out, const std::string& labels) const {
  const std::string before = labels.empty() ? "" : labels + ",";
  const std::string alone = labels.empty() ? "" : "{" + labels + "}";
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < kBounds.size(); ++i) {
    out += name + "_bucket{" + before + "le=\"" + number(kBounds[i]) + "\"} " +
           std::to_string(buckets_[i]) + "\n";
  }
  out += name + "_bucket{" + before + "le=\"+Inf\"} " + std::to_string(count_) + "\n";
  out += name + "_sum" + alone + " " + number(sum_) + "\n";
  out += name + "_count" + alone + " " + std::to_string(count_) + "\n";
}

void Metrics::record_request(int status, const std::string& route, const std::string& cache,
                             std::uint64_t bytes, double seconds) {
  bytes_served_ += bytes;
  Histogram* duration = nullptr;
  {
    std::lock_guard lock(mutex_);
    ++requests_by_status_[status];
    if (!cache.empty()) ++cache_results_[cache];
    duration = &durations_[{route, cache.empty() ? "none" : cache}];  // never erased
  }
  duration->observe(seconds);
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
    header(out, "imgcache_request_duration_seconds", "histogram",
           "Time from a request read to its answer queued, by route (image, info, health, "
           "metrics, other) and cache result (none when the answer had none).");
    for (const auto& [labels, histogram] : durations_) {
      histogram.render("imgcache_request_duration_seconds", out,
                       "route=\"" + labels.first + "\",cache=\"" + labels.second + "\"");
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
  header(out, "imgcache_config_reloads_total", "counter",
         "Config reloads on SIGHUP, by result (ok; failed: the running config still serves).");
  out += "imgcache_config_reloads_total{result=\"ok\"} " + std::to_string(reloads_.load()) + "\n";
  out += "imgcache_config_reloads_total{result=\"failed\"} " +
         std::to_string(failed_reloads_.load()) + "\n";
  render_process(out);
  return out;
}

}  // namespace imgcache
