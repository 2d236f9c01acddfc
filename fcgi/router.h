// Router: one HTTP request in, one response out (SPEC §2, §3, §5). Orders the checks —
// method, route, grammar, signature — then asks the ImageService and turns its answer
// into headers, a 304, or a delegated X-Accel-Redirect / X-Sendfile. The only place
// where a failure becomes an HTTP status. answer_now() answers only what needs no origin
// fetch or resize, so the server can keep such answers off the threads that wait on
// those. No FastCGI types; thread-safe.
#pragma once

#include <optional>
#include <variant>

#include "core/clock.h"
#include "core/config.h"
#include "core/error.h"
#include "core/image_request.h"
#include "core/image_service.h"
#include "fcgi/http.h"
#include "fcgi/metrics.h"

namespace imgcache {

// A request the front thread has routed and checked (grammar, token) that needs a
// worker: a miss, an expired entry, or an entry whose bytes are gone. The worker does the
// work without routing it again.
struct ImageWork {
  ImageRequest image;
  FormatSet accepted;  // the negotiable formats its Accept names
  BodyMode body = BodyMode::load;
};

class Router {
 public:
  // metrics may be null (no metrics_path).
  Router(const Config& config, ImageService& service, const Clock& clock, Metrics* metrics)
      : config_(config),
        signing_(signing_keys(config)),
        service_(service),
        clock_(clock),
        metrics_(metrics) {}

  HttpResponse handle(const HttpRequest& request) noexcept;
  // The answer if it needs neither the origin nor the resizer (a fresh cache entry, an
  // error, health, metrics); otherwise the work, routed, for a worker.
  std::variant<HttpResponse, ImageWork> answer_now(const HttpRequest& request) noexcept;
  // The answer to that work, or nullopt while another thread of this process produces the
  // same image: retry once that work has ended (see ImageService::get_unless_busy).
  std::optional<HttpResponse> handle_unless_busy(const HttpRequest& request,
                                                 const ImageWork& work) noexcept;
  // The answer to that work if the cache holds it fresh by now, else nullopt.
  std::optional<HttpResponse> answer_if_fresh(const HttpRequest& request,
                                              const ImageWork& work) noexcept;
  // Which route a path takes, for the metrics: "image", "info", "health", "metrics" or
  // "other".
  const char* route_name(const std::string& path) const;

 private:
  // What answering may do: fetch and resize; the same unless another thread already does
  // it for this image; or neither.
  enum class Effort { any, unless_busy, none };
  // Runs `answer`, turning what it throws into an error response.
  template <typename Answer, typename Body>
  static Answer guarded(const Body& answer) noexcept;
  // The answer to what needs no image, or the image work.
  std::variant<HttpResponse, ImageWork> route(const HttpRequest& request);
  std::optional<HttpResponse> serve(const HttpRequest& request, const ImageWork& work,
                                    Effort effort);
  HttpResponse health() const;
  // link_expires: the signed link's expiry, which caps max-age.
  HttpResponse image_response(const HttpRequest& request, ServedImage image, bool varies_by_accept,
                              std::optional<std::int64_t> link_expires) const;

  const Config& config_;
  const SigningKeys signing_;
  ImageService& service_;
  const Clock& clock_;
  Metrics* metrics_;
};

// What a 503 (overloaded) asks the client to wait before it tries again.
inline constexpr int kRetryAfterSeconds = 2;

// A short text/plain error response for the code; a 400 (bad_request) gives `reason` too.
HttpResponse error_response(Errc code, std::string_view reason = {});

}  // namespace imgcache
