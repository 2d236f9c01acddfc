// Bursts of misses through the real nginx (issue: everyday inputs, page loads; issue:
// reliability): a page of new thumbnails must load whole, a flood must be refused cleanly
// with Retry-After and leave the responder healthy, and one failing origin path must hold
// neither the other misses nor more than one worker.
#include <gtest/gtest.h>

#include <algorithm>
#include <future>
#include <string>
#include <vector>

#include "tests/integration/scripted_origin.h"
#include "tests/integration/stack.h"
#include "tests/support/test_images.h"

namespace imgcache::testing {
namespace {

using namespace std::chrono_literals;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The responder's peak resident memory in kB (VmHWM).
long peak_memory_kb(pid_t pid) {
  std::string status = read_file("/proc/" + std::to_string(pid) + "/status");
  auto at = status.find("VmHWM:");
  return at == std::string::npos ? -1 : std::stol(status.substr(at + 6));
}

// Every request at once, each on a thread of its own.
std::vector<HttpResult> get_all_at_once(const Stack& stack, const std::vector<std::string>& paths) {
  std::vector<std::future<HttpResult>> answers;
  for (const std::string& path : paths) {
    answers.push_back(std::async(std::launch::async, [&stack, path] { return stack.get(path); }));
  }
  std::vector<HttpResult> out;
  for (auto& answer : answers) out.push_back(answer.get());
  return out;
}

TEST(MissQueue, ThirtyNewThumbnailsAtOnceAreAllServed) {
  // Defaults: max_inflight is two per core, so most of these wait for a slot.
  Stack stack;
  std::vector<std::string> paths;
  for (int i = 0; i < 30; ++i)
    paths.push_back("/image/" + std::to_string(100 + i) + "x-/photo.jpg");
  std::vector<HttpResult> answers = get_all_at_once(stack, paths);
  for (std::size_t i = 0; i < answers.size(); ++i) {
    EXPECT_EQ(answers[i].status, 200) << paths[i] << ": " << answers[i].body;
    if (answers[i].status == 200) {
      EXPECT_EQ(decode(answers[i].body).width, 100 + i);
    }
  }
}

TEST(MissQueue, AFloodIsBoundedRefusedWithRetryAfterAndLeavesTheResponderHealthy) {
  Stack stack({.config_lines = {"max_queue = 200", "queue_timeout = 5s",
                                "health_path = /imgcache/health"}});
  std::vector<std::string> paths;
  for (int i = 0; i < 1000; ++i) {
    paths.push_back("/image/" + std::to_string(40 + i % 500) + "x" + std::to_string(40 + i / 500) +
                    "/photo.jpg");
  }
  std::vector<HttpResult> answers = get_all_at_once(stack, paths);
  int served = 0;
  int refused = 0;
  for (const HttpResult& answer : answers) {
    if (answer.status == 200) ++served;
    if (answer.status == 503) {
      ++refused;
      EXPECT_EQ(answer.header("retry-after"), "2");
    }
  }
  RecordProperty("served", served);
  RecordProperty("refused", refused);
  EXPECT_EQ(served + refused, 1000) << "every answer is 200 or 503";
  EXPECT_GT(refused, 0) << "1,000 misses at once overflow a queue of 200";
  EXPECT_GT(served, 0);
  const long peak_kb = peak_memory_kb(stack.responder().pid());
  RecordProperty("responder_peak_kb", peak_kb);
  EXPECT_LT(peak_kb, 1024 * 1024) << "a flood must not grow memory without bound";
  EXPECT_EQ(stack.get("/imgcache/health").status, 200);
  EXPECT_EQ(stack.get("/image/33x33/photo.jpg").status, 200);
}

TEST(MissQueue, AFailingOriginPathHoldsOneWorkerAndOneFetch) {
  const std::string photo = read_file(fixtures_dir() + "/photo.jpg");
  ScriptedOrigin origin([&photo](const std::string& path) {
    ScriptedReply reply = http_reply(200, photo);
    if (path.find("dead") != std::string::npos) reply.delay = 30s;  // past fetch_timeout
    return reply;
  });
  Stack stack({.config_lines = {"fetch_timeout = 2s", "threads = 4"}, .origin = origin.url()});
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::string> dead(24, "/image/100x100/dead.jpg");
  auto dead_answers = std::async(std::launch::async, [&] { return get_all_at_once(stack, dead); });
  std::this_thread::sleep_for(300ms);  // the 24 are queued or waiting
  const auto live_start = std::chrono::steady_clock::now();
  HttpResult live = stack.get("/image/100x100/live.jpg");
  const double live_seconds = seconds_since(live_start);
  EXPECT_EQ(live.status, 200);
  EXPECT_LT(live_seconds, 1.5) << "an unrelated miss waited behind the failing path";
  for (const HttpResult& answer : dead_answers.get()) EXPECT_EQ(answer.status, 504);
  const double dead_seconds = seconds_since(start);
  RecordProperty("unrelated_miss_ms", static_cast<int>(live_seconds * 1000));
  RecordProperty("all_24_failed_after_ms", static_cast<int>(dead_seconds * 1000));
  EXPECT_LT(dead_seconds, 5.0) << "the 24 shared one 2 s timeout";
  int fetches = 0;
  for (const std::string& request : origin.requests()) {
    if (request.find("dead.jpg") != std::string::npos) ++fetches;
  }
  EXPECT_EQ(fetches, 1);
}

}  // namespace
}  // namespace imgcache::testing
