// SlowOrigin: a minimal HTTP origin on 127.0.0.1 that waits `delay` before answering
// every request with 200 and the given body: a stalled origin (delay longer than
// fetch_timeout) or a slow one. Serves at most a bounded number of connections and stops
// when destroyed.
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace imgcache::testing {

class SlowOrigin {
 public:
  SlowOrigin(std::chrono::milliseconds delay, std::string body);
  SlowOrigin(const SlowOrigin&) = delete;
  SlowOrigin& operator=(const SlowOrigin&) = delete;
  ~SlowOrigin();

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  void serve();
  void answer(int client);

  std::chrono::milliseconds delay_;
  std::string body_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> handlers_;
  std::thread acceptor_;
};

}  // namespace imgcache::testing
