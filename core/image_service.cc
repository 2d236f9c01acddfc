#include "core/image_service.h"

#include <chrono>
#include <optional>
#include <system_error>

#include "core/cache_layout.h"
#include "core/cpu_cores.h"
#include "core/digest.h"
#include "core/error.h"

namespace imgcache {

std::string_view cache_status_name(CacheStatus status) {
  switch (status) {
    case CacheStatus::hit:
      return "HIT";
    case CacheStatus::miss:
      return "MISS";
    case CacheStatus::expired:
      return "EXPIRED";
    case CacheStatus::revalidated:
      return "REVALIDATED";
    case CacheStatus::stale:
      return "STALE";
  }
  return "MISS";
}

ImageService::ImageService(const Config& config, Fetcher& fetcher, CacheStore& store,
                           const Clock& clock, LogSink log, Overload overload)
    : config_(config),
      render_(render_options(config)),
      fetcher_(fetcher),
      clock_(clock),
      log_(std::move(log)),
      overload_(overload),
      store_(store),
      hot_(config.memory_cache_size),
      inflight_(config.max_inflight > 0 ? config.max_inflight : 2 * cpu_cores()) {}

bool ImageService::varies_by_accept(const ImageRequest& request) const {
  return negotiates_formats(config_) && !request.info && !request.operation.format;
}

std::vector<ImageFormat> ImageService::negotiated(const ImageRequest& request,
                                                  FormatSet accepted) const {
  if (!varies_by_accept(request)) return {};
  return negotiated_formats(config_, accepted);
}

std::string ImageService::key_for(const ImageRequest& request, FormatSet accepted) const {
  return cache_key(config_.origin, request, negotiated(request, accepted));
}

Seconds ImageService::validity(const EntryMeta& meta) const {
  return meta.status == 404 ? config_.cache_valid_404 : config_.cache_valid;
}

std::int64_t ImageService::seconds_fresh(const EntryMeta& meta) const {
  return std::max<std::int64_t>(0, meta.validated + validity(meta).count() - clock_.now());
}

bool ImageService::fresh(const EntryMeta& meta) const { return seconds_fresh(meta) > 0; }

std::optional<ServedImage> ImageService::from_entry(CacheEntry entry, CacheStatus status,
                                                    BodyMode body) const {
  ServedImage out;
  if (body == BodyMode::load) {
    FileIdentity body_file;
    auto bytes = store_.read_body(entry, &body_file);
    if (!bytes) return std::nullopt;
    out.body = std::move(*bytes);
    if (status == CacheStatus::hit) {
      hot_.keep({entry, body_file, std::make_shared<const std::string>(out.body)});
    }
  }
  out.meta = std::move(entry.meta);
  out.file_path = std::move(entry.path);
  out.status = status;
  return out;
}

std::optional<ServedImage> ImageService::fresh_hot_hit(const std::string& key,
                                                       BodyMode body) const {
  if (body != BodyMode::load) return std::nullopt;  // only bodies are kept in memory
  auto hot = hot_.find(key);
  if (!hot || !fresh(hot->entry.meta)) return std::nullopt;
  store_.touch(hot->entry, clock_.now());
  ServedImage out;
  out.meta = hot->entry.meta;
  out.file_path = hot->entry.path;
  out.body = *hot->body;
  out.status = CacheStatus::hit;
  return out;
}

std::optional<ServedImage> ImageService::fresh_hit(const std::string& key, BodyMode body) const {
  if (auto hot = fresh_hot_hit(key, body)) return hot;
  auto entry = store_.lookup(key);
  if (!entry || !fresh(entry->meta)) return std::nullopt;
  if (entry->meta.status == 404) throw Error(Errc::not_found, "origin 404 (cached)");
  // Touched before the body is read, so the entry kept in memory has the body's new
  // identity and read time and stays valid until the next touch is due.
  const UnixTime now = clock_.now();
  if (store_.touch(*entry, now)) entry->last_read = now;
  return from_entry(std::move(*entry), CacheStatus::hit, body);
}

FetchRequest ImageService::fetch_request(const ImageRequest& request) const {
  FetchRequest out;
  out.source_path = request.source_path;
  out.encoded_path = request.origin_path();
  return out;
}

std::optional<ServedImage> ImageService::get_if_fresh(const ImageRequest& request,
                                                      FormatSet accepted, BodyMode body) const {
  return fresh_hit(key_for(request, accepted), body);
}

ServedImage ImageService::get(const ImageRequest& request, FormatSet accepted, BodyMode body,
                              SteadyTime arrived) {
  return *obtain(request, accepted, body, arrived, WhenBusy::wait);
}

std::optional<ServedImage> ImageService::get_unless_busy(const ImageRequest& request,
                                                         FormatSet accepted, BodyMode body,
                                                         SteadyTime arrived) {
  return obtain(request, accepted, body, arrived, WhenBusy::give_way);
}

std::optional<ServedImage> ImageService::obtain(const ImageRequest& request, FormatSet accepted,
                                                BodyMode body, SteadyTime arrived,
                                                WhenBusy when_busy) {
  if (arrived == SteadyTime{}) arrived = std::chrono::steady_clock::now();
  const std::vector<ImageFormat> formats = negotiated(request, accepted);
  const std::string key = cache_key(config_.origin, request, formats);
  // A fresh entry, or the failure of a fetch that ended after this request arrived (it
  // waited for that fetch, in the queue or on the key).
  auto answer_at_hand = [&]() -> std::optional<ServedImage> {
    if (auto hit = fresh_hit(key, body)) return hit;
    if (auto failed = recent_failures_.since(key, arrived)) {
      throw Error(*failed, "the same fetch failed for a request this one waited for");
    }
    return std::nullopt;
  };
  if (auto answer = answer_at_hand()) return answer;
  std::optional<KeysInProgress::Claim> claim = in_progress_.claim(key);
  if (!claim && when_busy == WhenBusy::give_way) return std::nullopt;
  std::optional<CacheStore::KeyLock> lock;
  try {
    lock.emplace(store_.lock(key));
  } catch (const std::system_error& e) {
    log_.warn("cache-lock", std::string("cache lock unavailable, serving uncached: ") + e.what());
  }
  // Another thread or process may have produced the entry, or failed to, meanwhile.
  if (auto answer = answer_at_hand()) return answer;
  // max_queue = 0: nothing waits, a miss that cannot start at once is refused.
  const SteadyTime deadline =
      config_.max_queue == 0 ? SteadyTime{} : arrived + config_.queue_timeout;
  auto slot = overload_ == Overload::wait ? std::optional(inflight_.acquire())
                                          : inflight_.acquire_until(deadline);
  if (!slot) throw Error(Errc::overloaded, "no max_inflight slot within queue_timeout");
  try {
    ServedImage out;
    if (auto entry = store_.lookup(key); entry && entry->meta.status == 200) {
      out = revalidate(request, formats, std::move(*entry), body);
    } else {
      out = fetch_and_produce(request, formats, key);
    }
    recent_failures_.forget(key);
    return out;
  } catch (const Error& e) {
    recent_failures_.record(key, e.code(), std::chrono::steady_clock::now());
    throw;
  }
}

FetchResult ImageService::timed_fetch(const FetchRequest& request, double& ms) {
  auto start = std::chrono::steady_clock::now();
  FetchResult result = fetcher_.fetch(request);
  ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return result;
}

ServedImage ImageService::fetch_and_produce(const ImageRequest& request,
                                            const std::vector<ImageFormat>& negotiated,
                                            const std::string& key) {
  FetchResult source;
  double fetch_ms = 0;
  try {
    source = timed_fetch(fetch_request(request), fetch_ms);
  } catch (const Error& e) {
    if (e.code() == Errc::not_found && config_.cache_valid_404.count() > 0) {
      remember_not_found(request, key);
    }
    throw;
  }
  ServedImage out = produce(request, negotiated, key, std::move(source), CacheStatus::miss);
  out.fetch_ms = fetch_ms;
  return out;
}

void ImageService::remember_not_found(const ImageRequest& request, const std::string& key) {
  EntryMeta meta;
  meta.key = key;
  meta.status = 404;
  meta.content_type = "text/plain";
  meta.created = meta.validated = clock_.now();
  meta.source_url = fetcher_.source_url(fetch_request(request));
  try {
    store_.publish("", meta);
  } catch (const std::system_error& e) {
    log_.warn("cache-write", std::string("cannot write cache entry: ") + e.what());
  }
}

ServedImage ImageService::revalidate(const ImageRequest& request,
                                     const std::vector<ImageFormat>& negotiated, CacheEntry entry,
                                     BodyMode body) {
  FetchRequest conditional = fetch_request(request);
  conditional.if_none_match = entry.meta.origin_etag;
  conditional.if_modified_since = entry.meta.origin_last_modified;
  FetchResult source;
  double fetch_ms = 0;
  try {
    source = timed_fetch(conditional, fetch_ms);
  } catch (const Error& e) {
    if (e.code() != Errc::origin_error && e.code() != Errc::origin_timeout) throw;
    log_.warn("stale", std::string("origin unavailable, serving stale entry: ") + e.what());
    if (auto stale = from_entry(entry, CacheStatus::stale, body)) return std::move(*stale);
    throw;
  }
  if (source.not_modified) {
    entry.meta.validated = clock_.now();
    try {
      store_.update_meta(entry);
    } catch (const std::system_error& e) {
      log_.warn("cache-write", std::string("cannot update cache entry: ") + e.what());
    }
    if (auto same = from_entry(entry, CacheStatus::revalidated, body)) {
      same->fetch_ms = fetch_ms;
      return std::move(*same);
    }
    source = timed_fetch(fetch_request(request), fetch_ms);  // the file vanished: fetch it whole
  }
  std::string key = entry.meta.key;
  ServedImage out = produce(request, negotiated, key, std::move(source), CacheStatus::expired);
  out.fetch_ms = fetch_ms;
  return out;
}

ServedImage ImageService::produce(const ImageRequest& request,
                                  const std::vector<ImageFormat>& negotiated,
                                  const std::string& key, FetchResult source, CacheStatus status) {
  ServedImage out;
  EntryMeta& meta = out.meta;
  auto start = std::chrono::steady_clock::now();
  if (request.info) {
    ImageHeader header = probe_image(source.body, render_.limits, render_.auto_orient);
    out.body = info_json(header);
    meta.content_type = "application/json";
    meta.width = header.width;
    meta.height = header.height;
  } else {
    EncodedImage image = render_image(source.body, request.operation, negotiated, render_);
    out.body = std::move(image.bytes);
    meta.content_type = format_mime_type(image.format);
    meta.width = image.width;
    meta.height = image.height;
  }
  out.render_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  meta.key = key;
  meta.size = out.body.size();
  meta.created = meta.validated = clock_.now();
  meta.etag = "\"" + to_hex(md5(out.body)) + "\"";
  meta.origin_etag = source.etag;
  meta.origin_last_modified = source.last_modified;
  meta.source_url = fetcher_.source_url(fetch_request(request));
  out.status = status;
  try {
    CacheEntry entry = store_.publish(out.body, meta);
    out.file_path = std::move(entry.path);
  } catch (const std::system_error& e) {
    log_.warn("cache-write",
              std::string("cannot write cache entry, serving uncached: ") + e.what());
  }
  return out;
}

}  // namespace imgcache
