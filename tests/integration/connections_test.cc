// imgcache-fcgi against FastCGI peers that hold connections or push the protocol: idle,
// half-sent and one-byte-a-second connections, pipelined requests, management records,
// other roles, oversized parameters (issue: reliability). Meanwhile requests through the
// real nginx must be answered in their normal time, and SIGTERM must end the responder
// within its grace period whatever the peers do.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "tests/integration/fcgi_client.h"
#include "tests/integration/scripted_origin.h"
#include "tests/integration/stack.h"
#include "tests/support/test_images.h"

namespace imgcache::testing {
namespace {

using namespace std::chrono_literals;

// Room for a thousand sockets in this process.
void raise_descriptor_limit() {
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = std::min<rlim_t>(files.rlim_max, 8192);
    setrlimit(RLIMIT_NOFILE, &files);
  }
}

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

std::string begin_record(std::uint16_t id) {
  return fcgi_record(1, id, std::string("\0\1\1\0\0\0\0\0", 8));
}

TEST(HostilePeers, IdleHalfSentAndSlowConnectionsHoldNoThread) {
  raise_descriptor_limit();
  Stack stack;
  ASSERT_EQ(stack.get("/image/100x100/photo.jpg").status, 200);
  const int port = stack.fcgi_port();

  std::vector<std::unique_ptr<FcgiConnection>> idle;
  std::vector<std::unique_ptr<FcgiConnection>> half_sent;
  for (int i = 0; i < 500; ++i) idle.push_back(std::make_unique<FcgiConnection>(port));
  for (int i = 0; i < 500; ++i) {
    half_sent.push_back(std::make_unique<FcgiConnection>(port));
    ASSERT_TRUE(half_sent.back()->send(begin_record(1).substr(0, 2)));  // 2 bytes of a header
  }
  // A slowloris: a whole request, one byte a second, until the responder closes on it.
  std::atomic<bool> slow_closed{false};
  std::jthread slowloris([port, &slow_closed](std::stop_token stop) {
    FcgiConnection slow(port);
    const std::string request = fcgi_request(1, "GET", "/image/100x100/photo.jpg");
    for (std::size_t i = 0; i < request.size() && !stop.stop_requested(); ++i) {
      if (!slow.send(request.substr(i, 1)) || slow.closed_by_peer(1s)) {
        slow_closed = true;
        return;
      }
    }
  });

  // Meanwhile hits and misses through nginx, and a hit straight over FastCGI.
  std::vector<double> ms;
  for (int i = 0; i < 30; ++i) {
    const std::string path =
        i % 2 ? "/image/100x100/photo.jpg" : "/image/" + std::to_string(60 + i) + "x-/photo.jpg";
    const auto start = std::chrono::steady_clock::now();
    HttpResult r = stack.get(path);
    ms.push_back(ms_since(start));
    EXPECT_EQ(r.status, 200) << path;
  }
  FcgiConnection direct(port);
  ASSERT_TRUE(direct.send(fcgi_request(1, "GET", "/image/100x100/photo.jpg")));
  auto answer = stdout_by_id(direct.read_records(1, 5s));
  EXPECT_EQ(answer[1].rfind("Status: 200", 0), 0u);
  std::sort(ms.begin(), ms.end());
  RecordProperty("slowest_ms_during_attack", std::to_string(ms.back()));
  EXPECT_LT(ms.back(), 3000) << "a request waited behind idle connections";

  // Half-sent requests and the slowloris are closed once the read timeout has passed.
  for (auto& connection : half_sent) {
    EXPECT_TRUE(connection->closed_by_peer(20s));
  }
  slowloris.join();
  EXPECT_TRUE(slow_closed);

  // SIGTERM with 500 connections still open: the responder exits at once, and cleanly.
  for (int i = 0; i < 200; ++i) idle.push_back(std::make_unique<FcgiConnection>(port));
  const auto stop = std::chrono::steady_clock::now();
  stack.responder().signal(SIGTERM);
  std::optional<int> status = stack.responder().wait(8s);
  ASSERT_TRUE(status) << "still running 8 s after SIGTERM";
  EXPECT_EQ(*status, 0);
  RecordProperty("sigterm_exit_ms", std::to_string(ms_since(stop)));
}

TEST(HostilePeers, AnswersNobodyReadsHoldNeitherThreadsNorTheStop) {
  // 12 MB of noise, sent as the origin has it: more than both sides' socket buffers take.
  const std::string noise = make_noise_png(2000, 2000);
  ScriptedOrigin origin([&noise](const std::string&) { return http_reply(200, noise); });
  Stack stack({.origin = origin.url()});
  const std::string large = "/image/2000x2000/noise.png";
  ASSERT_EQ(stack.get(large).body.size(), noise.size());
  std::vector<std::unique_ptr<FcgiConnection>> readers_that_never_read;
  for (int i = 0; i < 4; ++i) {
    readers_that_never_read.push_back(std::make_unique<FcgiConnection>(stack.fcgi_port()));
    ASSERT_TRUE(readers_that_never_read.back()->send(fcgi_request(1, "GET", large)));
  }
  std::this_thread::sleep_for(500ms);  // the answers wait behind full sockets
  for (int i = 0; i < 5; ++i) {
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(stack.get("/image/100x100/photo.jpg").status, 200);
    EXPECT_LT(ms_since(start), 3000);
  }
  const auto stop = std::chrono::steady_clock::now();
  stack.responder().signal(SIGTERM);
  std::optional<int> status = stack.responder().wait(25s);
  ASSERT_TRUE(status) << "still running 25 s after SIGTERM";
  EXPECT_EQ(*status, 0);
  RecordProperty("sigterm_exit_ms", std::to_string(ms_since(stop)));
}

// The responder's resident memory now, in kB.
long resident_kb(pid_t pid) {
  const std::string status = read_file("/proc/" + std::to_string(pid) + "/status");
  const auto at = status.find("VmRSS:");
  return at == std::string::npos ? -1 : std::stol(status.substr(at + 6));
}

TEST(HostilePeers, RequestsOfAPeerThatReadsNothingWaitUnreadInsteadOfFillingMemory) {
  // Forty requests for a 12 MB image the responder answers from its cache at once, from a
  // peer that never reads: without a cap on unsent answers that is 480 MB queued.
  const std::string noise = make_noise_png(2000, 2000);
  ScriptedOrigin origin([&noise](const std::string&) { return http_reply(200, noise); });
  Stack stack({.config_lines = {"memory_cache_size = 64M"}, .origin = origin.url()});
  const std::string large = "/image/2000x2000/noise.png";
  ASSERT_EQ(stack.get(large).body.size(), noise.size());
  const long before_kb = resident_kb(stack.responder().pid());
  FcgiConnection greedy(stack.fcgi_port());
  for (std::uint16_t id = 1; id <= 40; ++id) {
    ASSERT_TRUE(greedy.send(fcgi_request(id, "GET", large)));
    std::this_thread::sleep_for(10ms);
  }
  std::this_thread::sleep_for(500ms);
  const long grown_kb = resident_kb(stack.responder().pid()) - before_kb;
  RecordProperty("grown_kb", std::to_string(grown_kb));
  EXPECT_LT(grown_kb, 80 * 1024) << "answers nobody reads piled up in memory";
  EXPECT_EQ(stack.get("/image/100x100/other.png").status, 200);
}

TEST(FastCgiProtocol, PipelinedRequestsOnOneConnectionAreAllAnswered) {
  Stack stack;
  ASSERT_EQ(stack.get("/image/100x100/photo.jpg").status, 200);
  FcgiConnection connection(stack.fcgi_port());
  ASSERT_TRUE(connection.send(fcgi_request(1, "GET", "/image/100x100/photo.jpg") +
                              fcgi_request(2, "GET", "/image/120x-/photo.jpg") +
                              fcgi_request(3, "HEAD", "/image/100x100/photo.jpg") +
                              fcgi_request(4, "GET", "/nothing/here")));
  auto answers = stdout_by_id(connection.read_records(4, 10s));
  ASSERT_EQ(answers.size(), 4u);
  for (std::uint16_t id : {1, 2, 3}) EXPECT_EQ(answers[id].rfind("Status: 200", 0), 0u) << id;
  EXPECT_EQ(answers[4].rfind("Status: 404", 0), 0u);
  const std::string& miss = answers[2];
  const auto body = miss.find("\r\n\r\n");
  ASSERT_NE(body, std::string::npos);
  EXPECT_EQ(decode(miss.substr(body + 4)).width, 120u);
  EXPECT_EQ(answers[3].substr(answers[3].find("\r\n\r\n") + 4), "") << "HEAD has no body";
}

TEST(FastCgiProtocol, ManagementRecordsAndOtherRolesAreAnswered) {
  Stack stack;
  FcgiConnection connection(stack.fcgi_port());
  ASSERT_TRUE(connection.send(
      fcgi_record(9, 0, fcgi_pairs({{"FCGI_MPXS_CONNS", ""}, {"FCGI_MAX_CONNS", ""}}))));
  auto records = connection.read_records(1, 5s);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].type, 10) << "GET_VALUES_RESULT";
  EXPECT_NE(records[0].content.find("FCGI_MPXS_CONNS1"), std::string::npos);
  EXPECT_NE(records[0].content.find("FCGI_MAX_CONNS"), std::string::npos);

  // The FILTER role is refused with END_REQUEST(UNKNOWN_ROLE); the connection serves on.
  ASSERT_TRUE(connection.send(fcgi_request(5, "GET", "/image/100x100/photo.jpg", true, 3)));
  records = connection.read_records(1, 5s);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].type, 3) << "END_REQUEST";
  EXPECT_EQ(records[0].id, 5);
  ASSERT_GE(records[0].content.size(), 5u);
  EXPECT_EQ(records[0].content[4], 3) << "FCGI_UNKNOWN_ROLE";
  ASSERT_TRUE(connection.send(fcgi_request(6, "GET", "/image/100x100/photo.jpg")));
  EXPECT_EQ(stdout_by_id(connection.read_records(1, 10s))[6].rfind("Status: 200", 0), 0u);
}

TEST(FastCgiProtocol, OversizedParametersCloseOnlyThatConnection) {
  Stack stack;
  FcgiConnection flood(stack.fcgi_port());
  ASSERT_TRUE(flood.send(begin_record(1)));
  const std::string pair = fcgi_pairs({{"HTTP_X_FILL", std::string(60000, 'x')}});
  bool refused = false;
  for (int i = 0; i < 64 && !refused; ++i) refused = !flood.send(fcgi_record(4, 1, pair));
  EXPECT_TRUE(refused || flood.closed_by_peer(5s)) << "4 MB of parameters were taken";
  EXPECT_EQ(stack.get("/image/100x100/photo.jpg").status, 200);
}

}  // namespace
}  // namespace imgcache::testing
