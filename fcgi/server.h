// Server: the FastCGI connection loop. One front thread per CPU core, each with an epoll
// set of its own connections (the listening socket is in every set; one thread wakes per
// new connection). Sockets are non-blocking and every connection keeps its own buffers
// (fcgi/connection.h), so an idle, slow or half-sent peer holds no thread: a front thread
// reads whatever has arrived on any of its connections, and answers a whole request at
// once when it needs neither the origin nor the resizer (hits, 304s, errors, health,
// metrics). Any other request goes to a queue that `workers` threads take from; they
// fetch, resize, and hand the answer back to the connection's front thread, which writes
// it as the socket takes it. Each answer is one log line.
//
// Beyond the misses idle workers take at once, the queue holds at most `max_queue`; one that
// has waited
// `queue_timeout` when a worker takes it, or that finds the queue full, is answered 503
// with Retry-After. A miss for an image another worker is producing is set aside without
// holding a worker, and queued again when any work ends: then it is a hit, or shares that
// work's failure. So a burst for one image, or one failing origin path, holds one worker.
//
// Limits, against peers that hold resources (fixed; see docs/SECURITY.md):
//   - kMaxConnections open connections; past it the oldest idle one is closed;
//   - a request must arrive whole within kRequestReadTimeout of its first byte, and a new
//     connection must bring its first request within that time;
//   - an answer the peer does not read for kSendTimeout closes the connection, and while
//     kMaxUnsentBytes wait for it, its further requests are not read;
//   - out of descriptors with no idle connection to close, new connections wait in the
//     backlog for a second;
//   - the FastCGI limits of fcgi/fcgi_protocol.h (parameters size, open requests).
// Kept connections (nginx `fastcgi_keep_conn on`) wait idle with no deadline: a close from
// this side could cross a request already on its way.
//
// stop() — called from the signal-waiting thread — stops accepting connections and closes
// every idle one; the workers finish the requests in hand and the ones waiting for a
// worker, and close unanswered (for the web server to retry elsewhere) only those still
// waiting after kStopGrace; answers are written for at most kStopGrace, and run() returns.
// A socket of its own is shut down, refusing new connections at once; a socket received on
// standard input (systemd's socket activation, spawn-fcgi) is left open, so that
// connections wait in its backlog for the next process.
//
// use_router() switches the router of requests read from then on (a reloaded config); each
// request in hand is answered by the router that took it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/config.h"
#include "fcgi/connection.h"
#include "fcgi/metrics.h"
#include "fcgi/router.h"

namespace imgcache {

inline constexpr unsigned kMaxConnections = 4096;
inline constexpr std::chrono::seconds kRequestReadTimeout{10};
inline constexpr std::chrono::seconds kSendTimeout{30};
// Answers queued for a peer that does not read them: past this, its requests wait unread.
inline constexpr std::size_t kMaxUnsentBytes = 1 << 20;
inline constexpr std::chrono::seconds kStopGrace{10};

struct ServerOptions {
  // "HOST:PORT", ":PORT", "unix:PATH", or empty for the socket on standard input.
  std::string listen;
  unsigned workers = 1;
  std::size_t max_queue = 512;
  std::chrono::seconds queue_timeout{10};
  LogFormat log_format = LogFormat::text;
  // Requests to these paths are answered and counted but not logged (monitoring scrapes).
  std::vector<std::string> unlogged_paths;
};

class Server {
 public:
  // Throws Error(bad_config) if the socket cannot be opened. metrics may be null.
  Server(ServerOptions options, std::shared_ptr<Router> router, const Clock& clock,
         Metrics* metrics);
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  ~Server();

  // Serves until stop(); returns when every thread has finished.
  void run();
  // Safe to call from any thread (not from a signal handler), once or more.
  void stop();
  bool stopping() const { return stopping_; }
  // Safe to call from any thread.
  void use_router(std::shared_ptr<Router> router) { router_.store(std::move(router)); }

 private:
  class FrontLoop;
  friend class FrontLoop;

  // A request read by a front thread that needs the origin or the resizer.
  struct Deferred {
    FrontLoop* loop;
    std::uint64_t connection;
    FcgiRequest request;
    SteadyTime start;
    std::shared_ptr<Router> router;  // the one that routed it
    ImageWork work;                  // routed on the front thread
  };
  // Queues the request for a worker; false when too many are waiting.
  bool defer(Deferred job);
  void answer_deferred_requests();
  // The next job for a worker; nullopt once the front threads are done and none is left.
  std::optional<Deferred> next_job();
  // The answer to a job, or nullopt when another worker is producing its image.
  std::optional<HttpResponse> work_on(const Deferred& job);
  // Sets the job aside until some work ends (unless some ended since `ended_before`, a
  // reading of work_ended_ taken before the job was tried); queues the ones set aside again.
  void set_aside(Deferred job, std::uint64_t ended_before);
  void requeue_set_aside();
  void count_waiting();  // with deferred_mutex_ held
  void log_answer(const AnswerRecord& record, std::uint64_t bytes_sent);

  int socket_ = -1;
  int stop_event_ = -1;  // eventfd, readable once stop() was called
  ServerOptions options_;
  std::atomic<std::shared_ptr<Router>> router_;
  const Clock& clock_;
  Metrics* metrics_;
  std::mutex log_mutex_;
  std::atomic<bool> stopping_{false};
  std::atomic<SteadyTime> stop_requested_{};  // set before stopping_
  std::vector<std::unique_ptr<FrontLoop>> loops_;

  std::mutex deferred_mutex_;
  std::condition_variable deferred_ready_;
  std::deque<Deferred> deferred_;
  std::vector<Deferred> set_aside_;           // misses for images another worker is producing
  unsigned busy_workers_ = 0;                 // workers with a job in hand
  std::atomic<std::uint64_t> work_ended_{0};  // jobs answered so far (changed under the mutex)
  struct WorkerDone;
  bool fronts_done_ = false;  // no more requests will be deferred
  std::atomic<unsigned> handed_back_{0};
};

}  // namespace imgcache
