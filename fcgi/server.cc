#include "fcgi/server.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <iostream>
#include <optional>
#include <system_error>
#include <thread>
#include <unordered_map>

#include "core/cpu_cores.h"
#include "core/error.h"
#include "fcgi/listen_socket.h"
#include "fcgi/request_log.h"

namespace imgcache {
namespace {

constexpr int kBacklog = 1024;

// epoll tags of the descriptors that are not connections (whose tags are their ids).
constexpr std::uint64_t kListenTag = 0;
constexpr std::uint64_t kWakeTag = 1;
constexpr std::uint64_t kStopTag = 2;
constexpr std::uint64_t kFirstConnectionId = 16;

bool is_listening_socket(int fd) {
  int listening = 0;
  socklen_t length = sizeof listening;
  return ::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) == 0 && listening;
}

int open_socket(const std::string& listen) {
  if (!listen.empty()) return open_listen_socket(listen, kBacklog);
  if (!is_listening_socket(0)) {
    throw Error(Errc::bad_config, "no --listen given and standard input is not a socket");
  }
  return 0;  // the socket a process manager (spawn-fcgi, mod_fcgid) passed on stdin
}

void watch(int epoll, int fd, std::uint32_t events, std::uint64_t tag) {
  epoll_event event{};
  event.events = events;
  event.data.u64 = tag;
  if (::epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event) != 0) {
    throw std::system_error(errno, std::generic_category(), "epoll_ctl");
  }
}

bool out_of_descriptors(int error) {
  return error == EMFILE || error == ENFILE || error == ENOBUFS || error == ENOMEM;
}

}  // namespace

// One front thread: its epoll set, its connections, and the answers workers hand back.
class Server::FrontLoop {
 public:
  FrontLoop(Server& server, std::size_t max_connections)
      : server_(server), max_connections_(max_connections) {
    epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
    wake_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (epoll_ < 0 || wake_ < 0) {
      throw std::system_error(errno, std::generic_category(), "epoll/eventfd");
    }
    // Exclusive: a new connection wakes one front thread, not all of them.
    watch(epoll_, server.socket_, EPOLLIN | EPOLLEXCLUSIVE, kListenTag);
    watch(epoll_, wake_, EPOLLIN, kWakeTag);
    watch(epoll_, server.stop_event_, EPOLLIN, kStopTag);  // level-triggered: for good
  }
  FrontLoop(const FrontLoop&) = delete;
  FrontLoop& operator=(const FrontLoop&) = delete;
  ~FrontLoop() {
    ::close(epoll_);
    ::close(wake_);
  }

  void run();

  // From a worker: the answer to a deferred request, or nullopt when it is closed
  // unanswered.
  void hand_back(std::uint64_t connection, FcgiRequest request, SteadyTime start,
                 std::optional<HttpResponse> response) {
    {
      std::lock_guard lock(answers_mutex_);
      answers_.push_back({connection, std::move(request), start, std::move(response)});
    }
    std::uint64_t one = 1;
    [[maybe_unused]] auto written = ::write(wake_, &one, sizeof one);
  }

 private:
  struct Answer {
    std::uint64_t connection;
    FcgiRequest request;
    SteadyTime start;
    std::optional<HttpResponse> response;
  };

  void accept_connections(SteadyTime now);
  bool make_room();
  void pause_listening();
  void resume_listening();
  // Reads what has arrived, answers or defers each whole request, writes, settles; a
  // failure (out of memory) closes this connection only.
  void serve(Connection& connection, SteadyTime now);
  void read_and_answer(Connection& connection, SteadyTime now);
  void read_requests(Connection& connection, SteadyTime now, Connection::ReadState& state);
  static bool has_room(const Connection& connection);
  void dispatch(Connection& connection, FcgiRequest request);
  void answer(Connection& connection, const FcgiRequest& request, SteadyTime start,
              HttpResponse response);
  void take_answers(SteadyTime now);
  void sweep(SteadyTime now);
  void begin_stop(SteadyTime now);
  // Writes what it can and closes the connection when it is done or broken.
  void settle(Connection& connection, SteadyTime now, bool healthy = true);
  void close(std::uint64_t id, const char* why = nullptr);

  Server& server_;
  std::size_t max_connections_;
  int epoll_ = -1;
  int wake_ = -1;
  std::uint64_t next_id_ = kFirstConnectionId;
  std::unordered_map<std::uint64_t, std::unique_ptr<Connection>> connections_;
  std::mutex answers_mutex_;
  std::vector<Answer> answers_;
  std::optional<SteadyTime> stop_began_;
  bool listening_paused_ = false;
};

void Server::FrontLoop::run() {
  std::array<epoll_event, 64> events;
  SteadyTime next_sweep = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  for (;;) {
    const int ready = ::epoll_wait(epoll_, events.data(), events.size(), 250);
    if (ready < 0 && errno != EINTR) break;
    const SteadyTime now = std::chrono::steady_clock::now();
    for (int i = 0; i < ready; ++i) {
      const std::uint64_t tag = events[i].data.u64;
      if (tag == kListenTag) {
        accept_connections(now);
      } else if (tag == kWakeTag) {
        std::uint64_t count = 0;
        [[maybe_unused]] auto read = ::read(wake_, &count, sizeof count);
      } else if (tag == kStopTag) {
        if (!stop_began_) begin_stop(now);
      } else if (auto it = connections_.find(tag); it != connections_.end()) {
        serve(*it->second, now);
      }
    }
    take_answers(now);
    if (now >= next_sweep) {
      sweep(now);
      next_sweep = now + std::chrono::seconds(1);
    }
    if (stop_began_) {
      const bool answering = std::any_of(connections_.begin(), connections_.end(),
                                         [](const auto& c) { return c.second->in_hand > 0; });
      if (!answering && (connections_.empty() || now - *stop_began_ >= kStopGrace)) break;
      if (now - *stop_began_ >= kStopGrace + kSendTimeout) break;  // workers long stuck
    }
  }
  connections_.clear();
}

void Server::FrontLoop::accept_connections(SteadyTime now) {
  if (stop_began_) return;
  for (;;) {
    int fd = ::accept4(server_.socket_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) {
      if (errno == EINTR) continue;
      if (out_of_descriptors(errno) && !make_room()) pause_listening();
      return;
    }
    if (connections_.size() >= max_connections_ && !make_room()) {
      ::close(fd);  // every connection is busy: refused
      continue;
    }
    // As nginx does on its kept-alive connections: no write of an answer ever waits for the
    // ACK of an earlier one (Nagle). Fails harmlessly on a unix socket.
    int on = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    const std::uint64_t id = next_id_++;
    try {
      watch(epoll_, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, id);
    } catch (const std::system_error&) {
      ::close(fd);
      continue;
    }
    connections_.emplace(id, std::make_unique<Connection>(
                                 fd, id, now, [this](const AnswerRecord& record, std::uint64_t n) {
                                   server_.log_answer(record, n);
                                 }));
    if (server_.metrics_) server_.metrics_->record_connection();
  }
}

// Closes the idle connection that has been idle longest; false if none is idle.
bool Server::FrontLoop::make_room() {
  Connection* oldest = nullptr;
  for (auto& [id, connection] : connections_) {
    if (connection->idle() && (!oldest || connection->last_active() < oldest->last_active())) {
      oldest = connection.get();
    }
  }
  if (oldest) close(oldest->id());
  return oldest != nullptr;
}

// Out of descriptors: the listening socket would wake this thread at once, again and again;
// it leaves the set until the next sweep.
void Server::FrontLoop::pause_listening() {
  if (::epoll_ctl(epoll_, EPOLL_CTL_DEL, server_.socket_, nullptr) == 0) listening_paused_ = true;
}

void Server::FrontLoop::resume_listening() {
  if (!listening_paused_ || stop_began_) return;
  watch(epoll_, server_.socket_, EPOLLIN | EPOLLEXCLUSIVE, kListenTag);
  listening_paused_ = false;
}

void Server::FrontLoop::serve(Connection& connection, SteadyTime now) {
  const std::uint64_t id = connection.id();
  try {
    read_and_answer(connection, now);
  } catch (const std::exception& e) {  // out of memory, most likely: this connection only
    close(id, e.what());
  }
}

// Room to read more: a connection with its share of requests in hand, or with answers the
// peer has not taken, is read again once one is answered or the socket drains.
bool Server::FrontLoop::has_room(const Connection& connection) {
  return connection.in_hand < kMaxRequestsPerConnection &&
         connection.output_bytes() < kMaxUnsentBytes;
}

void Server::FrontLoop::read_and_answer(Connection& connection, SteadyTime now) {
  using ReadState = Connection::ReadState;
  ReadState state = ReadState::more;
  for (;;) {
    read_requests(connection, now, state);
    connection.queue_replies(connection.parser().take_replies());
    if (state == ReadState::broken || !connection.flush(now)) {
      close(connection.id());
      return;
    }
    // Everything written without the socket filling: no edge will come to read the rest.
    if (state != ReadState::more || !has_room(connection)) break;
  }
  settle(connection, now);
}

void Server::FrontLoop::read_requests(Connection& connection, SteadyTime now,
                                      Connection::ReadState& state) {
  using ReadState = Connection::ReadState;
  while (state == ReadState::more && has_room(connection)) {
    state = connection.read_some(now);
    if (state == ReadState::broken && !connection.parser().error().empty()) {
      std::lock_guard lock(server_.log_mutex_);
      std::cerr << "imgcache-fcgi: connection closed: " << connection.parser().error() << '\n';
    }
    if (state == ReadState::peer_closed) connection.close_when_done = true;
    auto& requests = connection.parser().requests();
    if (stop_began_ && !requests.empty()) state = ReadState::broken;  // retried elsewhere
    while (state != ReadState::broken && !requests.empty()) {
      FcgiRequest request = std::move(requests.front());
      requests.pop_front();
      dispatch(connection, std::move(request));
    }
  }
}

void Server::FrontLoop::dispatch(Connection& connection, FcgiRequest request) {
  ++connection.in_hand;
  if (!request.keep_connection) connection.close_when_done = true;
  const SteadyTime start = std::chrono::steady_clock::now();
  request.http.received = start;
  std::shared_ptr<Router> router = server_.router_.load();
  std::variant<HttpResponse, ImageWork> now = router->answer_now(request.http);
  if (auto* response = std::get_if<HttpResponse>(&now)) {
    answer(connection, request, start, std::move(*response));
    return;
  }
  if (!server_.defer({this, connection.id(), request, start, std::move(router),
                      std::move(std::get<ImageWork>(now))})) {
    HttpResponse overloaded = error_response(Errc::overloaded);
    overloaded.error = "too many requests waiting for a worker";
    answer(connection, request, start, std::move(overloaded));
  }
}

void Server::FrontLoop::answer(Connection& connection, const FcgiRequest& request, SteadyTime start,
                               HttpResponse response) {
  const bool head = request.http.method == "HEAD";
  std::string bytes = encode_answer(request.id, response, head);
  AnswerRecord record{request.http, std::move(response), 0, start};
  if (!head && record.response.status != 304) record.body_bytes = record.response.body.size();
  record.response.body.clear();
  connection.queue(std::move(bytes), std::move(record));
  --connection.in_hand;
}

void Server::FrontLoop::settle(Connection& connection, SteadyTime now, bool healthy) {
  if (healthy && connection.flush(now)) {
    const bool stopped_and_answered =
        stop_began_ && connection.in_hand == 0 && !connection.has_output();
    if (!connection.done() && !stopped_and_answered) return;
  }
  close(connection.id());
}

void Server::FrontLoop::close(std::uint64_t id, const char* why) {
  if (why) {
    std::lock_guard lock(server_.log_mutex_);
    std::cerr << "imgcache-fcgi: connection closed: " << why << '\n';
  }
  connections_.erase(id);  // the socket leaves the epoll set as it closes
}

void Server::FrontLoop::take_answers(SteadyTime now) {
  std::vector<Answer> answers;
  {
    std::lock_guard lock(answers_mutex_);
    answers.swap(answers_);
  }
  for (Answer& done : answers) {
    auto it = connections_.find(done.connection);
    if (it == connections_.end()) {
      if (done.response) {  // the peer left: logged, nothing to send
        server_.log_answer({done.request.http, std::move(*done.response), 0, done.start}, 0);
      }
      continue;
    }
    Connection& connection = *it->second;
    if (!done.response) {  // closed unanswered, so the web server can retry elsewhere
      close(connection.id());
      continue;
    }
    try {
      answer(connection, done.request, done.start, std::move(*done.response));
    } catch (const std::exception& e) {
      close(connection.id(), e.what());
      continue;
    }
    serve(connection, now);  // reads on if it had stopped at its share, writes, settles
  }
}

void Server::FrontLoop::sweep(SteadyTime now) {
  std::vector<std::pair<std::uint64_t, const char*>> expired;
  for (auto& [id, connection] : connections_) {
    if (connection->in_hand > 0) continue;  // a worker answers it
    if (connection->parser().mid_request() &&
        now - connection->request_began() > kRequestReadTimeout) {
      expired.emplace_back(id, "request not complete within the read timeout");
    } else if (!connection->ever_answered() && connection->idle() &&
               now - connection->accepted_at() > kRequestReadTimeout) {
      expired.emplace_back(id, nullptr);  // opened and never used
    } else if (connection->has_output() && now - connection->output_since() > kSendTimeout) {
      expired.emplace_back(id, "answer not read within the send timeout");
    }
  }
  for (auto [id, why] : expired) close(id, why);
  resume_listening();
}

void Server::FrontLoop::begin_stop(SteadyTime now) {
  stop_began_ = now;
  ::epoll_ctl(epoll_, EPOLL_CTL_DEL, server_.socket_, nullptr);
  ::epoll_ctl(epoll_, EPOLL_CTL_DEL, server_.stop_event_, nullptr);
  std::vector<std::uint64_t> idle;
  for (auto& [id, connection] : connections_) {
    if (connection->in_hand == 0 && !connection->has_output()) idle.push_back(id);
  }
  for (std::uint64_t id : idle) close(id);
}

Server::Server(ServerOptions options, std::shared_ptr<Router> router, const Clock& clock,
               Metrics* metrics)
    : options_(std::move(options)), router_(std::move(router)), clock_(clock), metrics_(metrics) {
  options_.workers = std::max(1u, options_.workers);
  socket_ = open_socket(options_.listen);
  ::fcntl(socket_, F_SETFL, ::fcntl(socket_, F_GETFL) | O_NONBLOCK);
  stop_event_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stop_event_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
  const unsigned fronts = cpu_cores();
  for (unsigned i = 0; i < fronts; ++i) {
    loops_.push_back(std::make_unique<FrontLoop>(*this, (kMaxConnections + fronts - 1) / fronts));
  }
}

Server::~Server() {
  loops_.clear();
  ::close(stop_event_);
}

void Server::run() {
  std::vector<std::thread> fronts;
  std::vector<std::thread> workers;
  for (auto& loop : loops_) fronts.emplace_back([&loop] { loop->run(); });
  for (unsigned i = 0; i < options_.workers; ++i) {
    workers.emplace_back([this] { answer_deferred_requests(); });
  }
  for (std::thread& front : fronts) front.join();
  {
    std::lock_guard lock(deferred_mutex_);
    fronts_done_ = true;
  }
  deferred_ready_.notify_all();
  for (std::thread& worker : workers) worker.join();
  if (handed_back_ > 0) {
    std::cerr << "imgcache-fcgi: " << handed_back_
              << " requests still waiting for a worker were closed unanswered\n";
  }
}

void Server::stop() {
  if (stopping_) return;
  stop_requested_ = std::chrono::steady_clock::now();
  if (stopping_.exchange(true)) return;
  // New connections are refused from now on; on a socket received from a parent (the same
  // socket, shared), they wait in its backlog for the next process instead.
  if (!options_.listen.empty()) ::shutdown(socket_, SHUT_RDWR);
  std::uint64_t one = 1;
  [[maybe_unused]] auto written = ::write(stop_event_, &one, sizeof one);
}

// Counts a worker idle again when its job is answered, set aside or handed back.
struct Server::WorkerDone {
  explicit WorkerDone(Server& server) : server_(server) {}
  ~WorkerDone() {
    std::lock_guard lock(server_.deferred_mutex_);
    --server_.busy_workers_;
  }
  Server& server_;
};

bool Server::defer(Deferred job) {
  {
    std::lock_guard lock(deferred_mutex_);
    const std::size_t idle_workers = options_.workers - busy_workers_;
    if (deferred_.size() + set_aside_.size() >= options_.max_queue + idle_workers) return false;
    deferred_.push_back(std::move(job));
    count_waiting();
  }
  deferred_ready_.notify_one();
  return true;
}

void Server::count_waiting() {
  if (metrics_) metrics_->set_waiting(deferred_.size() + set_aside_.size());
}

std::optional<Server::Deferred> Server::next_job() {
  std::unique_lock lock(deferred_mutex_);
  deferred_ready_.wait(lock, [this] { return !deferred_.empty() || fronts_done_; });
  if (deferred_.empty()) {
    // No more work will end that the ones set aside wait for: they are closed unanswered.
    for (Deferred& job : set_aside_) deferred_.push_back(std::move(job));
    set_aside_.clear();
    if (deferred_.empty()) return std::nullopt;
  }
  Deferred job = std::move(deferred_.front());
  deferred_.pop_front();
  ++busy_workers_;
  count_waiting();
  return job;
}

void Server::answer_deferred_requests() {
  while (std::optional<Deferred> job = next_job()) {
    WorkerDone done(*this);
    if (stopping_ && std::chrono::steady_clock::now() - stop_requested_.load() >= kStopGrace) {
      // Not started within the stop's grace: closed unanswered rather than fetched now, so
      // the web server sees a connection error and can retry another server of its upstream.
      job->loop->hand_back(job->connection, std::move(job->request), job->start, std::nullopt);
      ++handed_back_;
      continue;
    }
    const std::uint64_t ended_before = work_ended_;
    std::optional<HttpResponse> response;
    try {
      response = work_on(*job);
    } catch (const std::exception& e) {  // out of memory, most likely
      response = error_response(Errc::internal);
      response->error = e.what();
    }
    if (!response) {
      set_aside(std::move(*job), ended_before);
      continue;
    }
    job->loop->hand_back(job->connection, std::move(job->request), job->start,
                         std::move(*response));
    requeue_set_aside();  // the work that ended may be what they waited for
  }
}

std::optional<HttpResponse> Server::work_on(const Deferred& job) {
  const auto waited = std::chrono::steady_clock::now() - job.start;
  if (metrics_)
    metrics_->record_queue_wait(std::chrono::duration<double, std::milli>(waited).count());
  if (waited > options_.queue_timeout) {
    // Waited too long to start work; the image may be cached by now (the work it waited
    // for), which is still an answer.
    if (auto ready = job.router->answer_if_fresh(job.request.http, job.work)) return ready;
    HttpResponse overloaded = error_response(Errc::overloaded);
    overloaded.error = "waited queue_timeout for a worker";
    return overloaded;
  }
  return job.router->handle_unless_busy(job.request.http, job.work);
}

void Server::set_aside(Deferred job, std::uint64_t ended_before) {
  {
    std::lock_guard lock(deferred_mutex_);
    // The work it waited for may have ended while it was being turned away: then it goes
    // back into the queue at once, as requeue_set_aside() would have put it.
    if (work_ended_ == ended_before) {
      set_aside_.push_back(std::move(job));
      count_waiting();
      return;
    }
    deferred_.push_back(std::move(job));
  }
  deferred_ready_.notify_one();
}

void Server::requeue_set_aside() {
  {
    std::lock_guard lock(deferred_mutex_);
    ++work_ended_;
    if (set_aside_.empty()) return;
    // Behind the queue: each pass costs them only a lookup, and new misses are not held up
    // by the ones whose work is still running.
    deferred_.insert(deferred_.end(), std::make_move_iterator(set_aside_.begin()),
                     std::make_move_iterator(set_aside_.end()));
    set_aside_.clear();
  }
  deferred_ready_.notify_all();
}

void Server::log_answer(const AnswerRecord& record, std::uint64_t bytes_sent) {
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - record.start)
          .count();
  if (metrics_) {
    metrics_->record_request(record.response.status, router_.load()->route_name(record.http.path),
                             record.response.cache, bytes_sent, ms / 1000);
  }
  for (const std::string& path : options_.unlogged_paths) {
    if (record.http.path == path) return;
  }
  std::string line = format_request_log(options_.log_format, clock_.now(), record.http,
                                        record.response, bytes_sent, ms) +
                     '\n';
  std::lock_guard lock(log_mutex_);
  std::cerr << line;  // one write per line
}

}  // namespace imgcache
