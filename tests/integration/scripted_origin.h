// ScriptedOrigin: an HTTP origin on 127.0.0.1 whose answer to each request path is
// scripted by the test: any status line, headers and body, sent after an optional delay
// (a slow or stalled origin), at once, dripped a byte at a time (slowloris), or cut off
// mid-body. For origin behaviours a real web server
// will not produce on demand. Bounded: at most 256 connections, stops when destroyed.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace imgcache::testing {

struct ScriptedReply {
  std::string raw;  // status line, headers, blank line and body, exactly as sent
  enum class Mode { whole, drip, cut } mode = Mode::whole;
  std::chrono::milliseconds drip_interval{200};  // for drip: the pause between bytes
  std::chrono::milliseconds delay{0};            // before anything is sent
  // If set: nothing is sent before it is ready (or 10 s have passed, so a failed test
  // that never opens it does not hang).
  std::shared_future<void> gate;
};

// "HTTP/1.1 <status>\r\n<headers>Content-Length: …\r\n\r\n<body>"
ScriptedReply http_reply(int status, const std::string& body,
                         const std::string& extra_headers = "");

class ScriptedOrigin {
 public:
  using Script = std::function<ScriptedReply(const std::string& path)>;
  explicit ScriptedOrigin(Script script);
  ScriptedOrigin(const ScriptedOrigin&) = delete;
  ScriptedOrigin& operator=(const ScriptedOrigin&) = delete;
  ~ScriptedOrigin();

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  // The request line and headers of every request received so far.
  std::vector<std::string> requests() const;

 private:
  void serve();
  void answer(int client);

  Script script_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  mutable std::mutex requests_mutex_;
  std::vector<std::string> requests_;
  std::mutex handlers_mutex_;
  std::vector<std::thread> handlers_;
  std::thread acceptor_;
};

// A script answering every path with 200 and `body` after `delay`.
ScriptedOrigin::Script delayed(std::chrono::milliseconds delay, std::string body);
// An origin whose answers (200 and `body`) all wait until the test opens the gate.
struct GatedOrigin {
  explicit GatedOrigin(std::string body);
  std::promise<void> open;
  std::shared_future<void> gate = open.get_future().share();
  ScriptedOrigin origin;
};

}  // namespace imgcache::testing
