// Three imgcache-fcgi nodes, each with its own cache, behind one nginx with consistent
// hashing (scripts/nginx/imgcache-cluster.conf; issue: beyond one machine). The nodes
// listen on their own loopback addresses (127.0.0.11–13) on this machine.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "tests/integration/stack.h"

namespace imgcache::testing {
namespace {

constexpr int kNodes = 3;
constexpr int kKeys = 120;

std::string key_path(int i) { return "/image/" + std::to_string(20 + i) + "x20/photo.jpg"; }

int entries_in(const std::string& cache_dir) {
  int count = 0;
  if (!std::filesystem::exists(cache_dir)) return 0;
  for (const auto& item : std::filesystem::recursive_directory_iterator(cache_dir)) {
    if (item.path().extension() == ".meta") ++count;
  }
  return count;
}

// X-Cache of every key, in order.
std::vector<std::string> request_all(const Stack& stack) {
  std::vector<std::string> results;
  for (int i = 0; i < kKeys; ++i) {
    HttpResult r = stack.get(key_path(i));
    EXPECT_EQ(r.status, 200) << key_path(i);
    results.push_back(r.header("x-cache"));
  }
  return results;
}

TEST(Cluster, ConsistentHashingSpreadsFetchesOnceAndSurvivesANodeLoss) {
  Stack stack({.responders = kNodes, .cluster = true});

  // Each key is fetched and cached once, on one node; the nodes share the work.
  for (const std::string& result : request_all(stack)) EXPECT_EQ(result, "MISS");
  EXPECT_EQ(stack.origin_requests("/photo.jpg", kKeys), kKeys);
  std::map<int, int> per_node;
  int total = 0;
  for (int node = 0; node < kNodes; ++node) {
    per_node[node] = entries_in(stack.cache_dir(node));
    total += per_node[node];
    EXPECT_GE(per_node[node], kKeys / 8) << "node " << node << " owns too few keys";
  }
  EXPECT_EQ(total, kKeys);
  for (const std::string& result : request_all(stack)) EXPECT_EQ(result, "HIT");
  EXPECT_EQ(stack.origin_requests("/photo.jpg", kKeys), kKeys);

  // Node 1 goes away: every request still succeeds; only node 1's keys move.
  stack.stop_responder(1);
  std::vector<std::string> after_loss = request_all(stack);
  int moved = 0;
  for (const std::string& result : after_loss) moved += result == "MISS";
  EXPECT_EQ(moved, per_node[1]) << "only the lost node's keys are fetched again";
  double fraction = static_cast<double>(moved) / kKeys;
  RecordProperty("moved_fraction", std::to_string(fraction));
  EXPECT_GT(fraction, 0.1);
  EXPECT_LT(fraction, 0.6);

  // Node 1 comes back with its cache: its keys are hits on it again.
  stack.start_responder(1);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // nginx fail_timeout = 1s
  int entries_before = entries_in(stack.cache_dir(1));
  for (const std::string& result : request_all(stack)) EXPECT_EQ(result, "HIT");
  EXPECT_EQ(entries_in(stack.cache_dir(1)), entries_before);
}

TEST(Cluster, WarmViaTheFrontLandsEachKeyOnItsOwner) {
  Stack stack({.responders = kNodes, .cluster = true});
  std::string list;
  for (int i = 0; i < kKeys; ++i) list += key_path(i) + "\n";
  TempDir dir;
  std::string file = dir.write("warm.list", list);
  CommandResult warm = run_command_status(std::string(IMGCACHE_CLI_BIN) + " warm --jobs 4 --via " +
                                          stack.url("") + " - < " + file + " 2>&1");
  ASSERT_EQ(warm.status, 0) << warm.output;
  EXPECT_NE(warm.output.find(std::to_string(kKeys) + " warmed"), std::string::npos) << warm.output;
  int total = 0;
  for (int node = 0; node < kNodes; ++node) total += entries_in(stack.cache_dir(node));
  EXPECT_EQ(total, kKeys);
  for (const std::string& result : request_all(stack)) EXPECT_EQ(result, "HIT");
  CommandResult again = run_command_status(std::string(IMGCACHE_CLI_BIN) + " warm --via " +
                                           stack.url("") + " - < " + file + " 2>&1");
  EXPECT_NE(again.output.find(std::to_string(kKeys) + " fresh"), std::string::npos) << again.output;
}

}  // namespace
}  // namespace imgcache::testing
