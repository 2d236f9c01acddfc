// Server: the FastCGI accept loop. `threads` workers, each with its own FCGX_Request,
// take turns in FCGX_Accept_r (under a mutex), hand the request to the Router, write the
// response and log one line. stop() — called from the signal-waiting thread — makes the
// accept fail; workers finish the request in hand and return, and run() returns.
#pragma once

#include <atomic>
#include <mutex>
#include <string>

#include "core/clock.h"
#include "fcgi/metrics.h"
#include "fcgi/router.h"

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

  // Serves until stop(); returns when every worker has finished.
  void run();
  // Safe to call from any thread (not from a signal handler), once or more.
  void stop();
  bool stopping() const { return stopping_; }

 private:
  void work();

  int socket_ = -1;
  unsigned threads_;
  Router& router_;
  const Clock& clock_;
  Metrics* metrics_;
  std::mutex accept_mutex_;
  std::mutex log_mutex_;
  std::atomic<bool> stopping_{false};
};

}  // namespace imgcache
