#include "fcgi/router.h"

#include <algorithm>
#include <cstdint>

#include "core/error.h"
#include "core/http_date.h"
#include "core/image_request.h"
#include "core/sign.h"
#include "core/text.h"

namespace imgcache {
namespace {

// If-None-Match: "*" or a list of entity tags, compared weakly (RFC 9110 §13.1.2).
// Only a lone "*" is the wildcard: inside a list '*' is an ordinary entity-tag character.
bool etag_matches(const std::string& header, const std::string& etag) {
  return trim(header) == "*" || header.find(etag) != std::string::npos;
}

bool not_modified(const HttpRequest& request, const EntryMeta& meta) {
  if (!request.if_none_match.empty()) return etag_matches(request.if_none_match, meta.etag);
  if (!request.if_modified_since.empty()) {
    auto since = parse_http_date(request.if_modified_since);
    return since && meta.created <= *since;
  }
  return false;
}

}  // namespace

const std::string* HttpResponse::header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return &value;
  }
  return nullptr;
}

HttpResponse error_response(Errc code, std::string_view reason) {
  HttpResponse response;
  response.status = http_status(code);
  response.body = std::string(public_message(code));
  // Only a malformed request says why: the reason is the request parser's own words about
  // the request, never a library's or the origin's (those stay in the log).
  if (code == Errc::bad_request && !reason.empty()) {
    constexpr std::size_t kMaxReason = 160;  // the body stays under 200 bytes
    response.body += ": ";
    response.body += reason.substr(0, kMaxReason);
  }
  response.body += "\n";
  response.set("Content-Type", "text/plain; charset=utf-8");
  response.set("Cache-Control", "no-store");
  if (code == Errc::method_not_allowed) response.set("Allow", "GET, HEAD");
  if (code == Errc::overloaded) response.set("Retry-After", std::to_string(kRetryAfterSeconds));
  return response;
}

HttpResponse Router::handle(const HttpRequest& request) noexcept {
  return guarded<HttpResponse>([&]() -> HttpResponse {
    std::variant<HttpResponse, ImageWork> routed = route(request);
    if (auto* response = std::get_if<HttpResponse>(&routed)) return std::move(*response);
    return *serve(request, std::get<ImageWork>(routed), Effort::any);
  });
}

std::variant<HttpResponse, ImageWork> Router::answer_now(const HttpRequest& request) noexcept {
  return guarded<std::variant<HttpResponse, ImageWork>>(
      [&]() -> std::variant<HttpResponse, ImageWork> {
        std::variant<HttpResponse, ImageWork> routed = route(request);
        if (auto* work = std::get_if<ImageWork>(&routed)) {
          if (std::optional<HttpResponse> hit = serve(request, *work, Effort::none)) {
            return std::move(*hit);
          }
        }
        return routed;
      });
}

std::optional<HttpResponse> Router::handle_unless_busy(const HttpRequest& request,
                                                       const ImageWork& work) noexcept {
  return guarded<std::optional<HttpResponse>>(
      [&] { return serve(request, work, Effort::unless_busy); });
}

std::optional<HttpResponse> Router::answer_if_fresh(const HttpRequest& request,
                                                    const ImageWork& work) noexcept {
  return guarded<std::optional<HttpResponse>>([&] { return serve(request, work, Effort::none); });
}

const char* Router::route_name(const std::string& path) const {
  if (!config_.health_path.empty() && path == config_.health_path) return "health";
  if (metrics_ && path == config_.metrics_path) return "metrics";
  if (!path.starts_with(config_.prefix)) return "other";
  return std::string_view(path).substr(config_.prefix.size()).starts_with("info/") ? "info"
                                                                                   : "image";
}

template <typename Answer, typename Body>
Answer Router::guarded(const Body& answer) noexcept {
  try {
    return answer();
  } catch (const Error& e) {
    HttpResponse response = error_response(e.code(), e.what());
    response.error = e.what();
    return response;
  } catch (const std::exception& e) {
    HttpResponse response = error_response(Errc::internal);
    response.error = e.what();
    return response;
  } catch (...) {
    HttpResponse response = error_response(Errc::internal);
    response.error = "unknown exception";
    return response;
  }
}

std::variant<HttpResponse, ImageWork> Router::route(const HttpRequest& request) {
  if (request.method != "GET" && request.method != "HEAD") {
    throw Error(Errc::method_not_allowed, "method " + request.method);
  }
  if (!config_.health_path.empty() && request.path == config_.health_path) return health();
  if (metrics_ && request.path == config_.metrics_path) {
    HttpResponse response;
    response.body = metrics_->render(service_.inflight(), service_.memory_cache_bytes());
    response.set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    response.set("Cache-Control", "no-store");
    return response;
  }
  if (request.path.rfind(config_.prefix, 0) != 0) throw Error(Errc::not_found, "unknown route");
  ImageRequest image_request = parse_image_request(request.path, config_);
  switch (verify_token(signing_, image_request.uri, request.query, clock_.now())) {
    case Verdict::ok:
      break;
    case Verdict::missing:
      throw Error(Errc::bad_signature, "missing token");
    case Verdict::bad:
      throw Error(Errc::bad_signature, "bad token");
    case Verdict::expired:
      throw Error(Errc::link_expired, "expired link");
  }
  const bool delegate = config_.sendfile_header != SendfileHeader::none && request.sendfile;
  return ImageWork{.image = std::move(image_request),
                   .accepted = formats_in_accept(request.accept),
                   .body = delegate ? BodyMode::path_only : BodyMode::load};
}

std::optional<HttpResponse> Router::serve(const HttpRequest& request, const ImageWork& work,
                                          Effort effort) {
  std::optional<ServedImage> image;
  switch (effort) {
    case Effort::none:
      image = service_.get_if_fresh(work.image, work.accepted, work.body);
      break;
    case Effort::unless_busy:
      image = service_.get_unless_busy(work.image, work.accepted, work.body, request.received);
      break;
    case Effort::any:
      image = service_.get(work.image, work.accepted, work.body, request.received);
      break;
  }
  if (!image) return std::nullopt;
  if (metrics_ && image->fetch_ms > 0) metrics_->record_fetch(image->fetch_ms);
  if (metrics_ && image->render_ms > 0) metrics_->record_render(image->render_ms);
  std::optional<std::int64_t> link_expires;
  if (config_.sign != SignScheme::none) link_expires = link_expiry(request.query);
  return image_response(request, std::move(*image), service_.varies_by_accept(work.image),
                        link_expires);
}

HttpResponse Router::health() const {
  HttpResponse response;
  response.set("Content-Type", "text/plain; charset=utf-8");
  response.set("Cache-Control", "no-store");
  const std::string fault = service_.store().fault();
  if (!fault.empty()) {
    response.status = 503;
    response.body = fault + "\n";
    response.error = "health: " + fault;
    return response;
  }
  response.body = "ok\n";
  return response;
}

HttpResponse Router::image_response(const HttpRequest& request, ServedImage image,
                                    bool varies_by_accept,
                                    std::optional<std::int64_t> link_expires) const {
  const EntryMeta& meta = image.meta;
  HttpResponse response;
  response.cache = cache_status_name(image.status);
  response.set("Content-Type", meta.content_type);
  response.set("ETag", meta.etag);
  response.set("Last-Modified", format_http_date(meta.created));
  // A signed link that expires is kept by browsers and CDNs no longer than it is valid.
  std::int64_t max_age = service_.seconds_fresh(meta);
  if (link_expires) {
    const std::int64_t now = clock_.now();
    max_age = std::clamp<std::int64_t>(*link_expires - now, 0, max_age);
    response.set("Expires", format_http_date(now + max_age));
  }
  response.set("Cache-Control", "public, max-age=" + std::to_string(max_age));
  response.set("X-Cache", response.cache);
  if (varies_by_accept) response.set("Vary", "Accept");
  if (not_modified(request, meta)) {
    response.status = 304;
    return response;
  }
  // The web server sends the cached file itself; a body not cached is sent from memory.
  const bool delegate = config_.sendfile_header != SendfileHeader::none && image.body.empty();
  if (delegate && config_.sendfile_header == SendfileHeader::x_accel_redirect) {
    response.set("X-Accel-Redirect",
                 config_.sendfile_prefix + service_.store().relative_path(image.file_path));
    return response;
  }
  if (delegate) {
    response.set("X-Sendfile", image.file_path);
    return response;
  }
  response.set("Content-Length", std::to_string(image.body.size()));
  response.body = std::move(image.body);
  return response;
}

}  // namespace imgcache
