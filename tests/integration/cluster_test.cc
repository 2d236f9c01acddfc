// Three imgcache-fcgi nodes, each with its own cache, behind one nginx with consistent
// hashing (scripts/nginx/imgcache-cluster.conf; issue: beyond one machine). The nodes
// listen on their own loopback addresses (127.0.0.11–13) on this machine.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <vector>

#include "tests/integration/stack.h"
#include "tests/support/wait.h"

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

// The keys answered as a MISS, that is, moved to another node.
std::set<std::string> missed_keys(const std::vector<std::string>& results) {
  std::set<std::string> keys;
  for (int i = 0; i < kKeys; ++i) {
    if (results.at(i) == "MISS") keys.insert(key_path(i));
  }
  return keys;
}

// The keys a node's log shows it answered as hits, past the log's first `from` bytes.
std::set<std::string> hits_logged(const Stack& stack, int node, std::size_t from) {
  std::istringstream log(stack.responder_log(node).substr(from));
  std::set<std::string> keys;
  for (std::string line; std::getline(log, line);) {
    auto uri = line.find(" uri=");
    auto hit = line.find(" cache=HIT", uri);
    if (uri != std::string::npos && hit != std::string::npos) {
      keys.insert(line.substr(uri + 5, hit - uri - 5));
    }
  }
  return keys;
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

  // Node 1 comes back with its cache: its keys are hits on it again, not on the nodes that
  // cached them meanwhile. nginx tries it again once fail_timeout has passed.
  stack.start_responder(1);
  const std::set<std::string> node_keys = missed_keys(after_loss);
  ASSERT_FALSE(node_keys.empty());
  const std::string probe = *node_keys.begin();
  const std::size_t log_before = stack.responder_log(1).size();
  ASSERT_TRUE(wait_until([&] {
    EXPECT_EQ(stack.get(probe).status, 200);
    return wait_until([&] { return hits_logged(stack, 1, log_before).contains(probe); },
                      std::chrono::seconds(2));
  })) << "nginx sends node 1 nothing";
  const std::size_t round_before = stack.responder_log(1).size();
  int entries_before = entries_in(stack.cache_dir(1));
  for (const std::string& result : request_all(stack)) EXPECT_EQ(result, "HIT");
  EXPECT_EQ(entries_in(stack.cache_dir(1)), entries_before);
  auto node_hits = [&] { return static_cast<int>(hits_logged(stack, 1, round_before).size()); };
  wait_for_count(node_hits, per_node[1]);
  EXPECT_EQ(hits_logged(stack, 1, round_before), node_keys) << "node 1 answers its own keys";
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
