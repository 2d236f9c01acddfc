// Changing the running service without dropping a request: SIGHUP reloads the config in
// place, and a restart on a socket held across it (systemd's socket activation) loses no
// request, each while clients keep asking for new and cached thumbnails through nginx.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "tests/integration/stack.h"
#include "tests/support/test_images.h"
#include "tests/support/wait.h"

namespace imgcache::testing {
namespace {

// Clients asking for thumbnails (new sizes, then the same again) until stopped, counting
// the answers by status.
class RequestLoop {
 public:
  RequestLoop(const Stack& stack, int clients) {
    for (int client = 0; client < clients; ++client) {
      threads_.emplace_back([this, &stack, client] {
        for (int i = 0; !stop_ && i < 5000; ++i) {
          const int width = 40 + (client * 37 + i) % 120;
          HttpResult r = stack.get("/image/" + std::to_string(width) + "x-/photo.jpg");
          bool good = r.status == 200;
          try {
            good = good && decode(r.body).width == static_cast<unsigned>(width);
          } catch (const std::exception&) {
            good = false;
          }
          std::lock_guard lock(mutex_);
          ++answers_[good ? 200 : (r.status == 200 ? -1 : r.status)];
        }
      });
    }
  }
  RequestLoop(const RequestLoop&) = delete;
  RequestLoop& operator=(const RequestLoop&) = delete;
  ~RequestLoop() { finish(); }

  int answered() {
    std::lock_guard lock(mutex_);
    int total = 0;
    for (const auto& [status, count] : answers_) total += count;
    return total;
  }
  // Stops the clients; the answers by status (-1: a 200 that was not the image asked for).
  std::map<int, int> finish() {
    stop_ = true;
    for (std::thread& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
    return answers_;
  }

 private:
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::map<int, int> answers_;
};

void append(const std::string& file, const std::string& line) {
  std::ofstream(file, std::ios::app) << line << "\n";
}

int count_of(const std::string& text, const std::string& part) {
  int count = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++count;
  return count;
}

bool logged(const Stack& stack, const std::string& text) {
  return wait_until([&] { return stack.responder_log().find(text) != std::string::npos; });
}

TEST(Reload, SighupAppliesANewConfigWithoutDroppingARequest) {
  Stack stack({.config_lines = {"metrics_path = /imgcache/metrics", "threads = 2"}});
  ASSERT_EQ(stack.get("/image/600x-/photo.jpg").status, 200);
  RequestLoop loop(stack, 4);
  ASSERT_TRUE(wait_until([&] { return loop.answered() >= 20; }));

  append(stack.config_file(), "max_width = 500");
  stack.responder().signal(SIGHUP);
  ASSERT_TRUE(logged(stack, "reloaded config " + stack.config_file()));
  HttpResult wide = stack.get("/image/600x-/photo.jpg");
  EXPECT_EQ(wide.status, 400) << "the new max_width applies";
  EXPECT_NE(wide.body.find("max_width"), std::string::npos) << wide.body;

  // A config that does not load leaves the running one serving.
  append(stack.config_file(), "max_height = tall");
  stack.responder().signal(SIGHUP);
  ASSERT_TRUE(logged(stack, "not reloaded, the running one still serves"));
  EXPECT_EQ(stack.get("/image/600x-/photo.jpg").status, 400);
  const int before = loop.answered();
  ASSERT_TRUE(wait_until([&] { return loop.answered() >= before + 20; }));

  const std::map<int, int> answers = loop.finish();
  EXPECT_EQ(answers.size(), 1u) << "every answer a 200 with the image asked for; got "
                                << ::testing::PrintToString(answers);
  const std::string metrics = stack.get("/imgcache/metrics").body;
  EXPECT_NE(metrics.find("imgcache_config_reloads_total{result=\"ok\"} 1\n"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("imgcache_config_reloads_total{result=\"failed\"} 1\n"),
            std::string::npos);
  EXPECT_TRUE(stack.responder().running());
}

TEST(Reload, ChangesToTheSocketOrThreadsAreSaidToWaitForARestart) {
  Stack stack;
  append(stack.config_file(), "threads = 3");
  stack.responder().signal(SIGHUP);
  EXPECT_TRUE(logged(stack, "; changes to threads take effect at the next start"))
      << stack.responder_log();
  // Still not applied at the next reload: said again.
  stack.responder().signal(SIGHUP);
  EXPECT_EQ(
      wait_for_count(
          [&] { return count_of(stack.responder_log(), "changes to threads take effect"); }, 2),
      2)
      << stack.responder_log();
  EXPECT_EQ(stack.get("/image/50x-/photo.jpg").status, 200);
}

TEST(Restart, OnASocketHeldAcrossItLosesNoRequest) {
  // One worker, so that misses wait in the queue when the stop comes.
  Stack stack(
      {.config_lines = {"threads = 1", "max_queue = 64"}, .launch = Launch::socket_activation});
  RequestLoop loop(stack, 4);
  for (int restart = 0; restart < 3; ++restart) {
    const int before = loop.answered();
    ASSERT_TRUE(wait_until([&] { return loop.answered() >= before + 15; }));
    stack.stop_responder(0);  // SIGTERM, then waits for the exit
    stack.start_responder(0);
  }
  const int before = loop.answered();
  ASSERT_TRUE(wait_until([&] { return loop.answered() >= before + 15; }));
  const std::map<int, int> answers = loop.finish();
  EXPECT_EQ(answers.size(), 1u) << "every answer a 200 with the image asked for; got "
                                << ::testing::PrintToString(answers);
}

}  // namespace
}  // namespace imgcache::testing
