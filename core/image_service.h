// ImageService: the one place that orders a request's work (SPEC §4): cache lookup →
// per-key lock → fetch or revalidate → render (resize, or info JSON) → atomic publish.
// Used by the responder for every request and by `imgcache warm`, so both produce the
// same key and the same bytes. Signature checks happen before (they need the raw URL).
// Thread-safe: share one instance between all workers.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "core/cache_store.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/fetcher.h"
#include "core/hot_entries.h"
#include "core/image_request.h"
#include "core/inflight_limit.h"
#include "core/keys_in_progress.h"
#include "core/log.h"
#include "core/negotiation.h"
#include "core/recent_failures.h"
#include "core/render_options.h"

namespace imgcache {

enum class CacheStatus { hit, miss, expired, revalidated, stale };
std::string_view cache_status_name(CacheStatus status);  // "HIT", "MISS"…

// What to do when max_inflight fetches and resizes already run: wait until the request's
// queue deadline (queue_timeout after it arrived), then refuse (503, for requests), or wait
// as long as it takes (for batch work such as imgcache warm).
enum class Overload { reject, wait };

using SteadyTime = std::chrono::steady_clock::time_point;

// Whether a cached answer must carry its bytes, or only the file that holds them (when
// the web server sends the file itself).
enum class BodyMode { load, path_only };

struct ServedImage {
  EntryMeta meta;
  std::string file_path;  // the cache file holding the bytes; empty if they were not cached
  std::string body;       // the bytes: always after a miss, on a hit only with BodyMode::load
  CacheStatus status = CacheStatus::miss;
  double fetch_ms = 0;   // time spent fetching from the origin for this request
  double render_ms = 0;  // time spent decoding, resizing and encoding
};

class ImageService {
 public:
  // Entries live in `store`. Messages about degraded service (cache not writable, origin
  // down) go to `log`.
  ImageService(const Config& config, Fetcher& fetcher, CacheStore& store, const Clock& clock,
               LogSink log, Overload overload = Overload::reject);

  // `accepted`: the negotiable formats the client's Accept names (used with auto_jxl,
  // auto_avif, auto_webp).
  // `arrived`: when the request was read (default: now). Its queue deadline counts from
  // then, and a fetch of the same key that failed after then is its answer too.
  ServedImage get(const ImageRequest& request, FormatSet accepted, BodyMode body,
                  SteadyTime arrived = {});
  // The same, or nullopt when another thread of this process is producing the same key:
  // the caller retries once that work has ended, without holding a thread meanwhile.
  std::optional<ServedImage> get_unless_busy(const ImageRequest& request, FormatSet accepted,
                                             BodyMode body, SteadyTime arrived);
  // The answer if the cache holds a fresh entry (no lock, fetch or resize), else nullopt.
  std::optional<ServedImage> get_if_fresh(const ImageRequest& request, FormatSet accepted,
                                          BodyMode body) const;

  // Whether the answer to the request depends on Accept (auto_jxl, auto_avif, auto_webp).
  bool varies_by_accept(const ImageRequest& request) const;

  // The cache key a request would use.
  std::string key_for(const ImageRequest& request, FormatSet accepted) const;

  // Seconds the entry stays fresh, from now (0 when expired).
  std::int64_t seconds_fresh(const EntryMeta& meta) const;

  const CacheStore& store() const { return store_; }
  // Fetches and resizes running now (for metrics).
  unsigned inflight() const { return inflight_.in_use(); }
  // Bytes of entries kept in memory (for metrics).
  std::uint64_t memory_cache_bytes() const { return hot_.bytes(); }

 private:
  enum class WhenBusy { wait, give_way };
  std::optional<ServedImage> obtain(const ImageRequest& request, FormatSet accepted, BodyMode body,
                                    SteadyTime arrived, WhenBusy when_busy);
  std::vector<ImageFormat> negotiated(const ImageRequest& request, FormatSet accepted) const;
  bool fresh(const EntryMeta& meta) const;
  Seconds validity(const EntryMeta& meta) const;
  // The answer from a cache entry; nullopt if its bytes were wanted but are gone.
  std::optional<ServedImage> from_entry(CacheEntry entry, CacheStatus status, BodyMode body) const;
  std::optional<ServedImage> fresh_hit(const std::string& key, BodyMode body) const;
  std::optional<ServedImage> fresh_hot_hit(const std::string& key, BodyMode body) const;
  void remember_not_found(const ImageRequest& request, const std::string& key);
  ServedImage fetch_and_produce(const ImageRequest& request,
                                const std::vector<ImageFormat>& negotiated, const std::string& key);
  FetchResult timed_fetch(const FetchRequest& request, double& ms);
  ServedImage produce(const ImageRequest& request, const std::vector<ImageFormat>& negotiated,
                      const std::string& key, FetchResult source, CacheStatus status);
  ServedImage revalidate(const ImageRequest& request, const std::vector<ImageFormat>& negotiated,
                         CacheEntry entry, BodyMode body);
  FetchRequest fetch_request(const ImageRequest& request) const;

  const Config& config_;
  const RenderOptions render_;
  Fetcher& fetcher_;
  const Clock& clock_;
  ThrottledLog log_;
  Overload overload_;
  CacheStore& store_;
  mutable HotEntries hot_;  // a cache of the disk cache: const lookups fill it
  InflightLimit inflight_;
  RecentFailures recent_failures_;
  KeysInProgress in_progress_;
};

}  // namespace imgcache
