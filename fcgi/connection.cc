#include "fcgi/connection.h"

#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <array>
#include <cerrno>

namespace imgcache {

Connection::Connection(int fd, std::uint64_t id, SteadyTime now, Finished finished)
    : fd_(fd),
      id_(id),
      finished_(std::move(finished)),
      accepted_(now),
      last_active_(now),
      request_began_(now),
      output_since_(now) {}

Connection::~Connection() {
  ::close(fd_);
  try {
    for (const Pending& pending : out_) {
      if (pending.logged) finished_(pending.record, 0);
    }
  } catch (...) {  // a log line lost, not the process
  }
}

Connection::ReadState Connection::read_some(SteadyTime now) {
  std::array<char, 16384> chunk;
  for (int round = 0; round < 4; ++round) {
    ssize_t got = ::recv(fd_, chunk.data(), chunk.size(), 0);
    if (got == 0) return ReadState::peer_closed;
    if (got < 0) {
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK ? ReadState::drained : ReadState::broken;
    }
    if (!parser_.mid_request()) request_began_ = now;
    last_active_ = now;
    if (!parser_.feed(std::string_view(chunk.data(), static_cast<std::size_t>(got)))) {
      return ReadState::broken;
    }
  }
  return ReadState::more;
}

void Connection::queue(std::string bytes, AnswerRecord record) {
  if (out_.empty()) output_since_ = std::chrono::steady_clock::now();
  out_bytes_ += bytes.size();
  out_.push_back({std::move(bytes), 0, true, std::move(record)});
  answered_ = true;
}

void Connection::queue_replies(std::string bytes) {
  if (bytes.empty()) return;
  if (out_.empty()) output_since_ = std::chrono::steady_clock::now();
  out_bytes_ += bytes.size();
  out_.push_back({std::move(bytes), 0, false, {}});
  answered_ = true;  // the web server uses the connection
}

bool Connection::flush(SteadyTime now) {
  while (!out_.empty()) {
    // Several answers may be waiting: one writev takes as many as the socket will.
    std::array<iovec, 16> pieces;
    std::size_t count = 0;
    for (auto it = out_.begin(); it != out_.end() && count < pieces.size(); ++it, ++count) {
      pieces[count] = {it->bytes.data() + it->sent, it->bytes.size() - it->sent};
    }
    ssize_t written = ::writev(fd_, pieces.data(), static_cast<int>(count));
    if (written < 0) {
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK;
    }
    output_since_ = last_active_ = now;
    auto left = static_cast<std::size_t>(written);
    out_bytes_ -= left;
    while (!out_.empty() && left >= out_.front().bytes.size() - out_.front().sent) {
      left -= out_.front().bytes.size() - out_.front().sent;
      if (out_.front().logged) finished_(out_.front().record, out_.front().record.body_bytes);
      out_.pop_front();
    }
    if (!out_.empty()) out_.front().sent += left;
  }
  return true;
}

}  // namespace imgcache
