// LogSink: where core code sends operational messages (one line each, no newline).
// The responder writes them to stderr; tests capture them. ThrottledLog passes on at most
// one message per category per interval, so a full disk does not flood the log.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace imgcache {

using LogSink = std::function<void(std::string_view line)>;

class ThrottledLog {
 public:
  explicit ThrottledLog(LogSink sink, std::chrono::seconds interval = std::chrono::seconds(60))
      : sink_(std::move(sink)), interval_(interval) {}

  // Logs the message unless one of the same category was logged less than an interval ago;
  // the next message logged says how many were suppressed.
  void warn(const std::string& category, std::string_view message) {
    auto now = std::chrono::steady_clock::now();
    int suppressed = 0;
    {
      std::lock_guard lock(mutex_);
      Category& c = categories_[category];
      if (c.logged && now - c.last < interval_) {
        ++c.suppressed;
        return;
      }
      c.logged = true;
      c.last = now;
      suppressed = c.suppressed;
      c.suppressed = 0;
    }
    if (!sink_) return;
    if (suppressed == 0) {
      sink_(message);
    } else {
      sink_(std::string(message) + " (" + std::to_string(suppressed) + " similar suppressed)");
    }
  }

 private:
  struct Category {
    bool logged = false;
    std::chrono::steady_clock::time_point last;
    int suppressed = 0;
  };
  LogSink sink_;
  std::chrono::seconds interval_;
  std::mutex mutex_;
  std::map<std::string, Category> categories_;
};

}  // namespace imgcache
