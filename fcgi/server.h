// Server: the FastCGI connection loop. One front thread per CPU core and the listening
// socket and every idle kept connection share one epoll set. A front thread takes
// whichever is ready — a new connection to accept or the next request on a kept one —,
// reads the request (FCGX_Accept_r) and answers it at once when it needs neither the origin
// nor the resizer (hits, 304s, errors, health, metrics). Any other request goes to a queue
// that `workers` threads take from; they fetch, resize and answer, so a hit never waits
// behind a resize and the threads that answer hits stay as few as the cores. Each answer
// is one write and one log line. When the web server keeps the connection for more
// requests (nginx `fastcgi_keep_conn on` with an upstream `keepalive`), it goes back into
// the set: an idle connection holds no thread, so any number of them never starve a new
// one, and only the web server closes them (a close from this side could cross a request
// already on its way).
// stop() — called from the signal-waiting thread — wakes every front thread; the workers
// finish the requests in hand, close the ones still waiting unanswered (the web server may
// retry them elsewhere), and run() returns.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

#include "core/clock.h"
#include "fcgi/metrics.h"
#include "fcgi/router.h"

struct FCGX_Request;

namespace imgcache {

class Server {
 public:
  // listen: "HOST:PORT", ":PORT", "unix:PATH", or empty for the socket on standard input.
  // Throws Error(bad_config) if the socket cannot be opened.
  // metrics may be null.
  Server(const std::string& listen, unsigned workers, Router& router, const Clock& clock,
         Metrics* metrics);
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  ~Server();

  // Serves until stop(); returns when every worker has finished.
  void run();
  // Safe to call from any thread (not from a signal handler), once or more.
  void stop();
  bool stopping() const { return stopping_; }

 private:
  struct Connection {
    int fd = -1;          // -1: stop
    bool in_set = false;  // already registered (disarmed) in the epoll set
  };
  // A request read by a front thread that needs the origin or the resizer.
  struct Deferred {
    std::unique_ptr<FCGX_Request> request;
    HttpRequest http;
    bool in_set = false;
    std::chrono::steady_clock::time_point start;
  };
  void answer_ready_requests();
  void answer_deferred_requests();
  Connection next_connection();
  void wait_in_set(const Connection& connection);
  // Writes the answer, ends the request, counts and logs it, and puts a kept connection
  // back into the set.
  void finish(FCGX_Request& request, const HttpRequest& http, const HttpResponse& response,
              std::chrono::steady_clock::time_point start, bool in_set);

  int socket_ = -1;
  int epoll_ = -1;
  int stop_event_ = -1;  // eventfd, readable once stop() was called
  unsigned front_threads_;
  unsigned workers_;
  Router& router_;
  const Clock& clock_;
  Metrics* metrics_;
  std::mutex log_mutex_;
  std::atomic<bool> stopping_{false};

  std::mutex deferred_mutex_;
  std::condition_variable deferred_ready_;
  std::deque<Deferred> deferred_;
  bool fronts_done_ = false;  // no more requests will be deferred
  std::atomic<unsigned> handed_back_{0};
};

}  // namespace imgcache
