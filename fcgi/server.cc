#include "fcgi/server.h"

#include <fcgiapp.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <iostream>
#include <system_error>
#include <thread>
#include <vector>

#include "core/cpu_cores.h"
#include "core/error.h"
#include "fcgi/fcgi_io.h"
#include "fcgi/listen_socket.h"
#include "fcgi/request_log.h"

namespace imgcache {
namespace {

constexpr int kBacklog = 1024;
// Requests read and waiting for a worker; beyond this many, 503 at once. A burst of misses
// for one new image all wait here for the one fetch; any more is an overload.
constexpr std::size_t kMaxDeferred = 1024;

int open_socket(const std::string& listen) {
  if (!listen.empty()) return open_listen_socket(listen, kBacklog);
  if (FCGX_IsCGI()) {
    throw Error(Errc::bad_config, "no --listen given and standard input is not a socket");
  }
  return 0;  // the socket a process manager (spawn-fcgi, mod_fcgid) passed on stdin
}

// Every descriptor waits in the set one-shot: one worker wakes per event, and the
// descriptor is out of play until that worker puts it back.
void watch(int epoll, int fd, int operation) {
  epoll_event event{};
  event.events = EPOLLIN | EPOLLONESHOT;
  event.data.fd = fd;
  if (::epoll_ctl(epoll, operation, fd, &event) != 0) {
    throw std::system_error(errno, std::generic_category(), "epoll_ctl");
  }
}

bool out_of_descriptors(int error) {
  return error == EMFILE || error == ENFILE || error == ENOBUFS || error == ENOMEM;
}

}  // namespace

Server::Server(const std::string& listen, unsigned workers, Router& router, const Clock& clock,
               Metrics* metrics)
    : front_threads_(cpu_cores()),
      workers_(std::max(1u, workers)),
      router_(router),
      clock_(clock),
      metrics_(metrics) {
  FCGX_Init();
  socket_ = open_socket(listen);
  // Non-blocking, so a worker woken for a connection that was withdrawn before accept()
  // does not block there.
  ::fcntl(socket_, F_SETFL, ::fcntl(socket_, F_GETFL) | O_NONBLOCK);
  epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
  stop_event_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (epoll_ < 0 || stop_event_ < 0) {
    throw std::system_error(errno, std::generic_category(), "epoll/eventfd");
  }
  watch(epoll_, socket_, EPOLL_CTL_ADD);
  epoll_event stop_event{};
  stop_event.events = EPOLLIN;  // level-triggered: wakes every worker, for good
  stop_event.data.fd = stop_event_;
  ::epoll_ctl(epoll_, EPOLL_CTL_ADD, stop_event_, &stop_event);
}

Server::~Server() {
  ::close(epoll_);
  ::close(stop_event_);
}

void Server::run() {
  std::vector<std::thread> fronts;
  std::vector<std::thread> workers;
  for (unsigned i = 0; i < front_threads_; ++i)
    fronts.emplace_back([this] { answer_ready_requests(); });
  for (unsigned i = 0; i < workers_; ++i)
    workers.emplace_back([this] { answer_deferred_requests(); });
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
  if (stopping_.exchange(true)) return;
  FCGX_ShutdownPending();
  ::shutdown(socket_, SHUT_RDWR);  // new connections are refused from now on
  std::uint64_t one = 1;
  [[maybe_unused]] auto written = ::write(stop_event_, &one, sizeof one);
}

namespace {

// No listening socket for libfcgi: connections come from next_connection(), and a
// connection that ends before a whole request makes FCGX_Accept_r fail instead of
// accepting on its own.
std::unique_ptr<FCGX_Request> new_request() {
  auto request = std::make_unique<FCGX_Request>();
  FCGX_InitRequest(request.get(), -1, 0);
  return request;
}

}  // namespace

void Server::answer_ready_requests() {
  std::unique_ptr<FCGX_Request> request = new_request();
  for (Connection connection = next_connection(); connection.fd >= 0;
       connection = next_connection()) {
    request->ipcFd = connection.fd;
    request->keepConnection = 1;  // FCGX_Accept_r first finishes the previous request
    if (FCGX_Accept_r(request.get()) < 0) continue;  // closed by the web server, or garbage
    auto start = std::chrono::steady_clock::now();
    HttpRequest http = read_request(*request);
    if (std::optional<HttpResponse> response = router_.answer_now(http)) {
      finish(*request, http, *response, start, connection.in_set);
      continue;
    }
    std::unique_lock lock(deferred_mutex_);
    if (deferred_.size() >= kMaxDeferred) {
      lock.unlock();
      HttpResponse overloaded = error_response(Errc::overloaded);
      overloaded.error = "too many requests waiting for a worker";
      finish(*request, http, overloaded, start, connection.in_set);
      continue;
    }
    deferred_.push_back({std::move(request), std::move(http), connection.in_set, start});
    if (metrics_) metrics_->set_waiting(deferred_.size());
    lock.unlock();
    deferred_ready_.notify_one();
    request = new_request();
  }
  FCGX_Free(request.get(), 0);  // what a failed FCGX_Accept_r left
}

void Server::answer_deferred_requests() {
  for (;;) {
    Deferred job;
    {
      std::unique_lock lock(deferred_mutex_);
      deferred_ready_.wait(lock, [this] { return !deferred_.empty() || fronts_done_; });
      if (deferred_.empty()) return;
      job = std::move(deferred_.front());
      deferred_.pop_front();
      if (metrics_) metrics_->set_waiting(deferred_.size());
    }
    if (stopping_) {
      // Not started: closed unanswered rather than fetched during the stop, so the web
      // server sees a connection error and can retry another server of its upstream.
      FCGX_Free(job.request.get(), 1);
      ++handed_back_;
      continue;
    }
    finish(*job.request, job.http, router_.handle(job.http), job.start, job.in_set);
  }
}

Server::Connection Server::next_connection() {
  while (!stopping_) {
    epoll_event event{};
    if (::epoll_wait(epoll_, &event, 1, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (event.data.fd == stop_event_) break;
    if (event.data.fd != socket_) return {event.data.fd, true};
    int accepted = ::accept4(socket_, nullptr, nullptr, SOCK_CLOEXEC);
    int error = errno;
    if (stopping_) {
      if (accepted >= 0) ::close(accepted);
      break;
    }
    if (accepted < 0 && out_of_descriptors(error)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // let some close first
    }
    watch(epoll_, socket_, EPOLL_CTL_MOD);
    if (accepted < 0) continue;
    // As nginx does on its kept-alive connections: no write of an answer ever waits for the
    // ACK of an earlier one (Nagle), which the web server may delay by 40 ms. Fails
    // harmlessly on a unix socket.
    int on = 1;
    ::setsockopt(accepted, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    if (metrics_) metrics_->record_connection();
    return {accepted, false};
  }
  return {};
}

void Server::wait_in_set(const Connection& connection) {
  try {
    watch(epoll_, connection.fd, connection.in_set ? EPOLL_CTL_MOD : EPOLL_CTL_ADD);
  } catch (const std::system_error&) {
    ::close(connection.fd);
  }
}

void Server::finish(FCGX_Request& request, const HttpRequest& http, const HttpResponse& response,
                    std::chrono::steady_clock::time_point start, bool in_set) {
  std::uint64_t bytes = write_response(request, response, http.method == "HEAD");
  FCGX_Finish_r(&request);
  if (metrics_) metrics_->record_request(response.status, response.cache, bytes);
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::string line = format_request_log(clock_.now(), http, response, bytes, ms) + '\n';
  {
    std::lock_guard lock(log_mutex_);
    std::cerr << line;  // one write per line
  }
  if (request.ipcFd < 0) return;  // closed after the response
  Connection connection{request.ipcFd, in_set};
  request.ipcFd = -1;
  wait_in_set(connection);
}

}  // namespace imgcache
