// Server: the FastCGI connection loop. `threads` workers share one epoll set holding the
// listening socket and every idle kept connection. A worker takes whichever is ready — a
// new connection to accept or the next request on a kept one — reads the request
// (FCGX_Accept_r), hands it to the Router, writes the response and logs one line. When the
// web server keeps the connection for more requests (nginx `fastcgi_keep_conn on` with an
// upstream `keepalive`), the connection goes back into the set: an idle connection holds
// no worker, so any number of them never starve a new one, and only the web server closes
// them (a close from this side could cross a request already on its way).
// stop() — called from the signal-waiting thread — wakes every worker; each finishes the
// request in hand and returns, and run() returns.
#pragma once

#include <atomic>
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
  Server(const std::string& listen, unsigned threads, Router& router, const Clock& clock,
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
  void work();
  Connection next_connection();
  void wait_in_set(const Connection& connection);
  void serve(FCGX_Request& request);

  int socket_ = -1;
  int epoll_ = -1;
  int stop_event_ = -1;  // eventfd, readable once stop() was called
  unsigned threads_;
  Router& router_;
  const Clock& clock_;
  Metrics* metrics_;
  std::mutex log_mutex_;
  std::atomic<bool> stopping_{false};
};

}  // namespace imgcache
