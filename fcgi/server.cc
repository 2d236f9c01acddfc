#include "fcgi/server.h"

#include <fcgiapp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <thread>
#include <vector>

#include "core/error.h"
#include "fcgi/fcgi_io.h"
#include "fcgi/listen_socket.h"
#include "fcgi/request_log.h"

namespace imgcache {
namespace {

constexpr int kBacklog = 1024;

int open_socket(const std::string& listen) {
  if (!listen.empty()) return open_listen_socket(listen, kBacklog);
  if (FCGX_IsCGI()) {
    throw Error(Errc::bad_config, "no --listen given and standard input is not a socket");
  }
  return 0;  // the socket a process manager (spawn-fcgi, mod_fcgid) passed on stdin
}

}  // namespace

Server::Server(const std::string& listen, unsigned threads, Router& router, const Clock& clock,
               Metrics* metrics)
    : threads_(threads), router_(router), clock_(clock), metrics_(metrics) {
  FCGX_Init();
  socket_ = open_socket(listen);
}

void Server::run() {
  std::vector<std::thread> workers;
  for (unsigned i = 0; i < threads_; ++i) workers.emplace_back([this] { work(); });
  for (std::thread& worker : workers) worker.join();
}

void Server::stop() {
  if (stopping_.exchange(true)) return;
  FCGX_ShutdownPending();
  ::shutdown(socket_, SHUT_RDWR);  // wakes the worker blocked in accept()
}

void Server::work() {
  FCGX_Request request;
  FCGX_InitRequest(&request, socket_, 0);
  while (!stopping_) {
    int accepted;
    {
      std::lock_guard lock(accept_mutex_);
      accepted = stopping_ ? -1 : FCGX_Accept_r(&request);
    }
    if (accepted < 0) break;
    auto start = std::chrono::steady_clock::now();
    HttpRequest http = read_request(request);
    HttpResponse response = router_.handle(http);
    std::uint64_t bytes = write_response(request, response, http.method == "HEAD");
    FCGX_Finish_r(&request);
    if (metrics_) metrics_->record_request(response.status, response.cache, bytes);
    double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    std::string line = format_request_log(clock_.now(), http, response, bytes, ms);
    std::lock_guard lock(log_mutex_);
    std::cerr << line << '\n';
  }
  FCGX_Free(&request, 1);
}

}  // namespace imgcache
