// Fetcher for http:// and https:// origins, on libcurl. Downloads are streamed and cut off
// as soon as they pass max_source_size; redirects are followed by hand, at most
// kMaxRedirects, and only to the origin's own scheme and host. Certificates and host names
// are verified (SNI on); origin_ca_file replaces libcurl's CA bundle file (Debian's
// libcurl still trusts /etc/ssl/certs), for an origin with a private CA. A redirect may go
// to the origin's own host or to origin_allow_redirect_hosts, never from https to http;
// connections to internal addresses are refused unless the origin is itself internal.
#include <curl/curl.h>

#include <memory>
#include <mutex>
#include <optional>

#include "core/address_policy.h"
#include "core/error.h"
#include "core/fetcher.h"
#include "core/text.h"
#include "core/url_parts.h"

namespace imgcache {
namespace {

constexpr int kMaxRedirects = 3;

struct CurlDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using CurlHandle = std::unique_ptr<CURL, CurlDeleter>;
using HeaderList = std::unique_ptr<curl_slist, SlistDeleter>;

struct Transfer {
  std::string body;
  std::uint64_t max_size = 0;
  bool too_large = false;
  std::string etag;
  std::string last_modified;
  std::string location;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  std::size_t bytes = size * count;
  if (transfer->body.size() + bytes > transfer->max_size) {
    transfer->too_large = true;
    return 0;  // aborts the transfer
  }
  transfer->body.append(data, bytes);
  return bytes;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  std::string_view line(data, size * count);
  auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name == "etag") transfer->etag = trim(line.substr(colon + 1));
    if (name == "last-modified") transfer->last_modified = trim(line.substr(colon + 1));
    if (name == "location") transfer->location = trim(line.substr(colon + 1));
  } else if (line.rfind("HTTP/", 0) == 0) {
    transfer->etag.clear();  // a new response (after a redirect) starts
    transfer->last_modified.clear();
    transfer->location.clear();
  }
  return size * count;
}

// The absolute URL a redirect's Location names, resolved against the URL that answered,
// as libcurl resolves it (or nullopt if it is not a URL). Not CURLINFO_REDIRECT_URL: that
// one carries the origin's credentials, given to libcurl apart, into the URL.
std::optional<std::string> resolve_location(const std::string& base, const std::string& location) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> url(curl_url(), curl_url_cleanup);
  const unsigned flags = CURLU_URLENCODE | CURLU_ALLOW_SPACE;
  char* resolved = nullptr;
  if (!url || curl_url_set(url.get(), CURLUPART_URL, base.c_str(), 0) != CURLUE_OK ||
      curl_url_set(url.get(), CURLUPART_URL, location.c_str(), flags) != CURLUE_OK ||
      curl_url_get(url.get(), CURLUPART_URL, &resolved, 0) != CURLUE_OK) {
    return std::nullopt;
  }
  std::string out = resolved;
  curl_free(resolved);
  return out;
}

// Every error that names a URL names it through this: without user information, so that
// no password reaches a log line.
Error fetch_error(Errc code, const std::string& what, const std::string& url) {
  return Error(code, what + ": " + without_credentials(url));
}

bool same_server(const UrlParts& a, const UrlParts& b) {
  return a.scheme == b.scheme && a.host_port == b.host_port;
}

curl_socket_t open_checked_socket(void* fetcher_allows_internal, curlsocktype,
                                  curl_sockaddr* address) {
  bool allows_internal = *static_cast<bool*>(fetcher_allows_internal);
  if (!allows_internal && is_internal_address(&address->addr)) return CURL_SOCKET_BAD;
  return ::socket(address->family, address->socktype, address->protocol);
}

class CurlFetcher final : public Fetcher {
 public:
  explicit CurlFetcher(const OriginOptions& options)
      : base_(without_credentials(options.origin)),
        origin_(url_parts(base_)),
        credentials_(credentials_of(options.origin)),
        options_(options) {
    while (!base_.empty() && base_.back() == '/') base_.pop_back();
    std::string host = origin_.host;
    if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    allows_internal_ = host_is_internal(host);
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  }

  std::string source_url(const FetchRequest& request) const override {
    return base_ + "/" + request.encoded_path;
  }

  FetchResult fetch(const FetchRequest& request) override {
    std::string url = source_url(request);
    for (int redirects = 0;; ++redirects) {
      CURL* curl = handle();
      Transfer transfer;
      transfer.max_size = options_.max_source_size;
      HeaderList headers(curl_slist_append(nullptr, "Accept-Encoding: identity"));
      if (!request.if_none_match.empty()) {
        headers.reset(curl_slist_append(headers.release(),
                                        ("If-None-Match: " + request.if_none_match).c_str()));
      }
      if (!request.if_modified_since.empty()) {
        headers.reset(curl_slist_append(
            headers.release(), ("If-Modified-Since: " + request.if_modified_since).c_str()));
      }
      configure(curl, url, headers.get(), transfer);
      CURLcode code = curl_easy_perform(curl);
      if (transfer.too_large || code == CURLE_FILESIZE_EXCEEDED) {
        throw fetch_error(Errc::unsupported_image, "source larger than max_source_size", url);
      }
      if (code == CURLE_OPERATION_TIMEDOUT) throw fetch_error(Errc::origin_timeout, "timeout", url);
      if (code != CURLE_OK) throw fetch_error(Errc::origin_error, curl_easy_strerror(code), url);
      long status = 0;
      curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
      if (status >= 300 && status < 400 && status != 304) {
        url = redirect_target(url, transfer.location, redirects);
        continue;
      }
      return result(status, url, std::move(transfer));
    }
  }

 private:
  CURL* handle() {
    thread_local CurlHandle curl(curl_easy_init());
    curl_easy_reset(curl.get());  // keeps the connection cache
    return curl.get();
  }

  void configure(CURL* curl, const std::string& url, curl_slist* headers, Transfer& transfer) {
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    // Never through a proxy from the environment: the internal-address check must see the
    // address actually connected to.
    curl_easy_setopt(curl, CURLOPT_PROXY, "");
    // The origin's credentials go to the origin's own scheme, host and port only (after a
    // redirect too), never to another redirect target.
    if (credentials_ && same_server(url_parts(url), origin_)) {
      curl_easy_setopt(curl, CURLOPT_USERNAME, credentials_->user.c_str());
      curl_easy_setopt(curl, CURLOPT_PASSWORD, credentials_->password.c_str());
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "imgcache/0.1");
    auto timeout_ms = static_cast<long>(options_.fetch_timeout.count() * 1000);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE,
                     static_cast<curl_off_t>(options_.max_source_size));
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!options_.origin_ca_file.empty()) {
      curl_easy_setopt(curl, CURLOPT_CAINFO, options_.origin_ca_file.c_str());
    }
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, open_checked_socket);
    curl_easy_setopt(curl, CURLOPT_OPENSOCKETDATA, &allows_internal_);
  }

  bool redirect_allowed(const UrlParts& target) const {
    // User information in a redirect is refused: parsers disagree on where the host of
    // "http://a@b@host" begins, so this check and libcurl could see different hosts.
    if (target.has_userinfo) return false;
    if (target.scheme != "http" && target.scheme != "https") return false;
    if (origin_.scheme == "https" && target.scheme == "http") return false;
    if (target.host_port == origin_.host_port) return true;
    for (const std::string& allowed : options_.origin_allow_redirect_hosts) {
      std::string lower = allowed;
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (lower == target.host_port || lower == target.host) return true;
    }
    return false;
  }

  std::string redirect_target(const std::string& url, const std::string& location, int redirects) {
    if (location.empty() || redirects >= kMaxRedirects) {
      throw fetch_error(Errc::origin_error, "too many or empty redirects", url);
    }
    auto target = resolve_location(url, location);
    if (!target) throw fetch_error(Errc::origin_error, "redirect to a malformed URL from", url);
    if (!redirect_allowed(url_parts(*target))) {
      throw fetch_error(Errc::origin_error, "redirect to a host not allowed", *target);
    }
    return *target;
  }

  static FetchResult result(long status, const std::string& url, Transfer transfer) {
    if (status == 404 || status == 410) throw fetch_error(Errc::not_found, "origin 404", url);
    FetchResult out;
    out.etag = std::move(transfer.etag);
    out.last_modified = std::move(transfer.last_modified);
    if (status == 304) {
      out.not_modified = true;
      return out;
    }
    if (status != 200) {
      throw fetch_error(Errc::origin_error, "origin status " + std::to_string(status), url);
    }
    out.body = std::move(transfer.body);
    return out;
  }

  std::string base_;  // the origin without credentials
  UrlParts origin_;
  std::optional<UrlCredentials> credentials_;
  const OriginOptions options_;
  bool allows_internal_ = false;
};

}  // namespace

std::unique_ptr<Fetcher> make_curl_fetcher(const OriginOptions& options) {
  return std::make_unique<CurlFetcher>(options);
}

}  // namespace imgcache
