// Two imgcache-fcgi processes on one cache directory (SPEC §4): concurrent misses for one
// key, one in each process, cause one origin fetch, like nginx's proxy_cache_lock.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <sstream>
#include <thread>

#include "tests/integration/fcgi_client.h"
#include "tests/integration/scripted_origin.h"
#include "tests/integration/stack.h"
#include "tests/support/test_images.h"

namespace imgcache::testing {
namespace {

using namespace std::chrono_literals;

// Whether the process waits for a flock(2) another process holds (a "->" line of
// /proc/locks).
bool waits_for_a_file_lock(pid_t pid) {
  std::istringstream locks(read_file("/proc/locks"));
  for (std::string line; std::getline(locks, line);) {
    std::istringstream fields(line);
    std::string id, arrow, kind, mode, access, holder;
    fields >> id >> arrow >> kind >> mode >> access >> holder;
    if (arrow == "->" && kind == "FLOCK" && holder == std::to_string(pid)) return true;
  }
  return false;
}

bool eventually(const std::function<bool()>& condition) {
  for (auto deadline = std::chrono::steady_clock::now() + 10s;
       std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(10ms)) {
    if (condition()) return true;
  }
  return condition();
}

// The answer to GET `uri` on a connection of its own: CGI headers and body.
std::string fcgi_answer(FcgiConnection& connection, const std::string& uri) {
  if (!connection.send(fcgi_request(1, "GET", uri))) return "";
  return stdout_by_id(connection.read_records(1, 20s))[1];
}

TEST(SharedCache, AMissInEachOfTwoRespondersFetchesOnce) {
  const std::string photo = make_image(ImageFormat::jpeg, 800, 600);
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  ScriptedOrigin origin([&photo, gate](const std::string&) {
    ScriptedReply reply = http_reply(200, photo, "Content-Type: image/jpeg\r\n");
    reply.gate = gate;
    return reply;
  });
  Stack stack({.origin = origin.url(), .responders = 2});
  const std::string uri = "/image/120x120/a.jpg";

  // The first responder's fetch is held at the origin…
  FcgiConnection first(stack.fcgi_port(0));
  auto first_answer = std::async(std::launch::async, [&] { return fcgi_answer(first, uri); });
  ASSERT_TRUE(eventually([&] { return origin.requests().size() == 1; }));
  // …while the second responder's miss for the same key waits for its lock.
  FcgiConnection second(stack.fcgi_port(1));
  auto second_answer = std::async(std::launch::async, [&] { return fcgi_answer(second, uri); });
  const bool second_waits =
      eventually([&] { return waits_for_a_file_lock(stack.responder(1).pid()); });
  release.set_value();
  ASSERT_TRUE(second_waits) << "the second responder did not wait for the first one's fetch";

  const std::string a = first_answer.get();
  const std::string b = second_answer.get();
  ASSERT_EQ(a.rfind("Status: 200", 0), 0u) << a.substr(0, 200);
  ASSERT_EQ(b.rfind("Status: 200", 0), 0u) << b.substr(0, 200);
  const std::string body = b.substr(b.find("\r\n\r\n") + 4);
  EXPECT_EQ(body, a.substr(a.find("\r\n\r\n") + 4));
  EXPECT_EQ(decode(body).width, 120u);
  EXPECT_EQ(origin.requests().size(), 1u) << "one origin fetch for one key";
}

}  // namespace
}  // namespace imgcache::testing
