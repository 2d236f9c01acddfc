// Responder settings whose effect a client or a monitor sees (imgcache.conf(5)):
// sendfile_prefix names the web server's internal location in X-Accel-Redirect, and
// memory_cache_size bounds the hits kept in memory (imgcache_memory_cache_bytes).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/fcgi_client.h"
#include "tests/integration/stack.h"
#include "tests/support/test_images.h"
#include "tests/support/wait.h"

namespace imgcache::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// The body files of the cache's entries (those with a .meta beside them).
std::vector<std::string> entry_bodies(const std::string& cache_dir) {
  std::vector<std::string> bodies;
  for (const auto& item : fs::recursive_directory_iterator(cache_dir)) {
    if (item.path().extension() == ".meta")
      bodies.push_back(item.path().parent_path() / item.path().stem());
  }
  return bodies;
}

TEST(ResponderSettings, SendfilePrefixLeadsTheXAccelRedirectPath) {
  Stack stack(
      {.config_lines = {"sendfile_header = x-accel-redirect", "sendfile_prefix = /_thumbs/"}});
  const std::string uri = "/image/100x100/photo.jpg";
  ASSERT_EQ(stack.get(uri).header("x-cache"), "MISS");
  const std::vector<std::string> bodies = entry_bodies(stack.cache_dir());
  ASSERT_EQ(bodies.size(), 1u);

  FcgiConnection connection(stack.fcgi_port());
  ASSERT_TRUE(connection.send(fcgi_request(1, "GET", uri)));
  const std::string hit = stdout_by_id(connection.read_records(1, 10s))[1];
  const std::string expected =
      "X-Accel-Redirect: /_thumbs/" + fs::relative(bodies[0], stack.cache_dir()).string() + "\r\n";
  EXPECT_NE(hit.find(expected), std::string::npos) << hit;
}

// imgcache_memory_cache_bytes once the responder has counted `hits` hits (it counts an
// answer after writing it); -1 if it never does.
long long memory_cache_bytes_after(const Stack& stack, int hits) {
  const std::string counted =
      "imgcache_cache_results_total{result=\"HIT\"} " + std::to_string(hits) + "\n";
  const std::string name = "\nimgcache_memory_cache_bytes ";
  for (auto deadline = std::chrono::steady_clock::now() + 10s;
       std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(20ms)) {
    const std::string text = stack.get("/imgcache/metrics").body;
    const auto at = text.find(name);
    if (text.find(counted) != std::string::npos && at != std::string::npos) {
      return std::stoll(text.substr(at + name.size()));
    }
  }
  return -1;
}

// A miss then a hit of `uri`; returns the body.
std::string miss_then_hit(const Stack& stack, const std::string& uri) {
  EXPECT_EQ(stack.get(uri).header("x-cache"), "MISS") << uri;
  HttpResult hit = stack.get(uri);
  EXPECT_EQ(hit.header("x-cache"), "HIT") << uri;
  return hit.body;
}

TEST(ResponderSettings, MemoryCacheSizeBoundsTheHitsKeptInMemory) {
  const std::vector<std::string> streamed = {"sendfile_header = none",
                                             "metrics_path = /imgcache/metrics"};
  std::vector<std::string> config = streamed;
  config.push_back("memory_cache_size = 64k");
  Stack stack({.config_lines = config});
  const std::string small = miss_then_hit(stack, "/image/60x60/photo.jpg");
  ASSERT_LT(small.size(), 8u * 1024);
  const long long with_small = memory_cache_bytes_after(stack, 1);
  EXPECT_GE(with_small, static_cast<long long>(small.size()));
  EXPECT_LE(with_small, 64 * 1024);
  // Over an eighth of memory_cache_size: served, not kept.
  const std::string large = miss_then_hit(stack, "/image/1500x-/big.jpg");
  ASSERT_GT(large.size(), 8u * 1024);
  EXPECT_EQ(memory_cache_bytes_after(stack, 2), with_small);

  config = streamed;
  config.push_back("memory_cache_size = 0");
  Stack none({.config_lines = config});
  miss_then_hit(none, "/image/60x60/photo.jpg");
  EXPECT_EQ(memory_cache_bytes_after(none, 1), 0);
}

TEST(ResponderSettings, LogFormatJsonAndUnloggedMonitoring) {
  Stack stack(
      {.config_lines = {"log_format = json", "log_monitoring = off",
                        "metrics_path = /imgcache/metrics", "health_path = /imgcache/health"}});
  ASSERT_EQ(stack.get("/image/60x60/photo.jpg").status, 200);
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(stack.get("/imgcache/health").status, 200);
    ASSERT_EQ(stack.get("/imgcache/metrics").status, 200);
  }
  ASSERT_EQ(stack.get("/image/0x60/photo.jpg").status, 400);
  // Each request line is one JSON object (written after its answer: waited for); the
  // scrapes are answered but not logged.
  std::vector<std::string> requests;
  auto json_lines = [&] {
    requests.clear();
    std::istringstream log(stack.responder_log());
    for (std::string line; std::getline(log, line);) {
      if (line.starts_with("{")) requests.push_back(line);
    }
    return static_cast<int>(requests.size());
  };
  ASSERT_EQ(wait_for_count(json_lines, 2), 2) << stack.responder_log();
  EXPECT_NE(
      requests[0].find("\"status\":200,\"method\":\"GET\",\"uri\":\"/image/60x60/photo.jpg\""),
      std::string::npos)
      << requests[0];
  EXPECT_TRUE(requests[0].ends_with("}")) << requests[0];
  EXPECT_NE(requests[1].find("\"status\":400"), std::string::npos) << requests[1];
  EXPECT_NE(requests[1].find("\"error\":"), std::string::npos) << requests[1];
  EXPECT_EQ(stack.responder_log().find("/imgcache/health"), std::string::npos);
}

}  // namespace
}  // namespace imgcache::testing
