// Connection: one FastCGI connection from the web server, owned by one front thread. The
// socket is non-blocking: reading takes what has arrived into the parser, writing sends
// what the socket takes and keeps the rest for when it drains, so no peer ever holds a
// thread. It remembers when it was last useful, for the server's deadlines and for closing
// the oldest idle connections first.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>

#include "fcgi/fcgi_protocol.h"

namespace imgcache {

using SteadyTime = std::chrono::steady_clock::time_point;

// What the request log says of an answer, once its bytes have gone out (or failed to).
struct AnswerRecord {
  HttpRequest http;
  HttpResponse response;  // without its body
  std::uint64_t body_bytes = 0;
  SteadyTime start;
};

class Connection {
 public:
  // Called with each answer's record and the body bytes sent (0 when the connection
  // failed before the answer went out).
  using Finished = std::function<void(const AnswerRecord&, std::uint64_t bytes_sent)>;

  Connection(int fd, std::uint64_t id, SteadyTime now, Finished finished);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();  // closes the socket; answers not sent are logged as such

  std::uint64_t id() const { return id_; }
  FcgiParser& parser() { return parser_; }

  enum class ReadState { more, drained, peer_closed, broken };
  // Reads what the socket has, up to 64 KiB: `more` when there may be more to read,
  // `drained` when the socket had no more, `broken` on a read error or a stream the parser
  // refused (see parser().error()).
  ReadState read_some(SteadyTime now);
  // Queues an answer's bytes (and a record to log once they are out), or protocol replies.
  void queue(std::string bytes, AnswerRecord record);
  void queue_replies(std::string bytes);
  // Writes what the socket takes. False on a write error.
  bool flush(SteadyTime now);

  // Requests handed out (to the router or a worker) and not answered yet.
  unsigned in_hand = 0;
  // The web server wants the connection closed once everything is answered and sent.
  bool close_when_done = false;

  bool has_output() const { return !out_.empty(); }
  // Bytes queued and not yet taken by the socket.
  std::size_t output_bytes() const { return out_bytes_; }
  bool done() const { return close_when_done && in_hand == 0 && out_.empty(); }
  // Nothing in hand, nothing to send, no request half read: may be closed at no cost.
  bool idle() const { return in_hand == 0 && out_.empty() && !parser_.mid_request(); }
  bool ever_answered() const { return answered_; }
  SteadyTime accepted_at() const { return accepted_; }
  SteadyTime last_active() const { return last_active_; }
  // When the request now being read began to arrive.
  SteadyTime request_began() const { return request_began_; }
  // When the socket last took bytes, or the first answer waiting to go out was queued.
  SteadyTime output_since() const { return output_since_; }

 private:
  struct Pending {
    std::string bytes;
    std::size_t sent = 0;
    bool logged = false;
    AnswerRecord record;
  };

  int fd_;
  std::uint64_t id_;
  Finished finished_;
  FcgiParser parser_;
  std::deque<Pending> out_;
  std::size_t out_bytes_ = 0;
  bool answered_ = false;
  SteadyTime accepted_;
  SteadyTime last_active_;
  SteadyTime request_began_;
  SteadyTime output_since_;
};

}  // namespace imgcache
