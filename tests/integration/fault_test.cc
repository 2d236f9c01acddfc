// Faults (issue: hardening): a full disk, a responder killed with SIGKILL in the middle of
// writes, clients that disconnect mid-request, and more misses than max_inflight. The
// image is still served, no partial entry is ever served, and nothing leaks.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <future>
#include <thread>

#include "tests/integration/scripted_origin.h"
#include "tests/integration/stack.h"
#include "tests/support/test_images.h"

namespace imgcache::testing {
namespace {

namespace fs = std::filesystem;

int count_files_with(const std::string& dir, const std::string& marker) {
  int count = 0;
  if (!fs::exists(dir)) return 0;
  for (const auto& item : fs::recursive_directory_iterator(dir)) {
    if (item.path().filename().string().find(marker) != std::string::npos) ++count;
  }
  return count;
}

int count_entries(const std::string& dir) { return count_files_with(dir, ".meta"); }

int open_fds(pid_t pid) {
  int count = 0;
  for ([[maybe_unused]] const auto& fd :
       fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd"))
    ++count;
  return count;
}

int threads_of(pid_t pid) {
  std::string status = read_file("/proc/" + std::to_string(pid) + "/status");
  auto at = status.find("Threads:");
  return at == std::string::npos ? -1 : std::stoi(status.substr(at + 8));
}

// Sends a request to the front and closes the connection at once.
void request_and_hang_up(int port, const std::string& path) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
    std::string request = "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
    ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  }
  ::close(fd);
}

int port_of(const std::string& url) { return std::stoi(url.substr(url.rfind(':') + 1)); }

TEST(Faults, FullDiskStillServesAndWarnsOnce) {
  // Files over 16 KiB cannot be written: every resized entry fails to be cached.
  Stack stack({.responder_shell_prefix = "ulimit -f 16"});
  for (int size = 1500; size < 1506; ++size) {
    HttpResult r = stack.get("/image/" + std::to_string(size) + "x-/big.jpg");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(decode(r.body).width, static_cast<unsigned>(size));
    EXPECT_GT(r.body.size(), 16u * 1024);
  }
  EXPECT_EQ(count_entries(stack.cache_dir()), 0);
  EXPECT_EQ(count_files_with(stack.cache_dir(), ".tmp-"), 0);
  std::string log = stack.responder_log();
  auto first = log.find("cannot write cache entry");
  EXPECT_NE(first, std::string::npos) << log;
  EXPECT_EQ(log.find("cannot write cache entry", first + 1), std::string::npos)
      << "warned more than once per interval:\n"
      << log;
  EXPECT_EQ(::kill(stack.responder().pid(), 0), 0);
}

TEST(Faults, KilledMidWriteNeverServesAPartialEntry) {
  Stack stack;
  std::vector<std::string> paths;
  for (int round = 0; round < 8; ++round) {
    std::vector<std::future<void>> inflight;
    for (int i = 0; i < 3; ++i) {
      std::string path = "/image/" + std::to_string(900 + round * 3 + i) + "x-/big.jpg";
      paths.push_back(path);
      inflight.push_back(std::async(std::launch::async, [&stack, path] {
        try {
          stack.get(path);
        } catch (const std::exception&) {
          // The responder died under the request: the client sees an error, that's all.
        }
      }));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(40 + 25 * round));
    stack.responder().signal(SIGKILL);
    for (auto& request : inflight) request.get();
    stack.start_responder(0);
  }
  // The restarted responder swept what the killed ones left half-written.
  EXPECT_EQ(count_files_with(stack.cache_dir(), ".tmp-"), 0);
  for (const std::string& path : paths) {
    HttpResult r = stack.get(path);
    ASSERT_EQ(r.status, 200) << path;
    std::string op = path.substr(7, path.find('/', 7) - 7);
    std::string fresh = run_command(std::string(IMGCACHE_CLI_BIN) + " resize -s " + op + " " +
                                    fixtures_dir() + "/big.jpg - 2>/dev/null");
    EXPECT_EQ(r.body, fresh) << path << " (" << r.header("x-cache")
                             << ") differs from a fresh render";
  }
}

TEST(Faults, ClientsHangingUpLeakNothing) {
  Stack stack;
  // Warm up every lazily started part (decoder threads, resolver) before the baseline.
  ASSERT_EQ(stack.get("/image/50x50/photo.jpg").status, 200);
  ASSERT_EQ(stack.get("/image/299x-/big.jpg").status, 200);
  pid_t pid = stack.responder().pid();
  const int fds_before = open_fds(pid);
  const int threads_before = threads_of(pid);
  const int port = port_of(stack.url(""));
  for (int i = 0; i < 50; ++i)
    request_and_hang_up(port, "/image/" + std::to_string(300 + i) + "x-/big.jpg");
  // Let the abandoned requests finish inside the responder.
  for (int i = 0; i < 100 && stack.get("/image/50x50/photo.jpg").status != 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  int fds_after = open_fds(pid);
  for (int i = 0; i < 100 && fds_after > fds_before + 4; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    fds_after = open_fds(pid);
  }
  EXPECT_LE(fds_after, fds_before + 4) << "file descriptors leaked";
  int threads_after = threads_of(pid);
  for (int i = 0; i < 50 && threads_after > threads_before; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    threads_after = threads_of(pid);
  }
  // A helper thread started once by a library (resolver, OpenMP) may appear; a leak per
  // abandoned request would show as dozens.
  EXPECT_LE(threads_after, threads_before + 2) << "threads leaked";
  EXPECT_EQ(stack.get("/image/60x60/photo.jpg").status, 200);
}

TEST(Faults, MissesBeyondMaxInflightGet503Quickly) {
  ScriptedOrigin slow(
      delayed(std::chrono::milliseconds(1500), read_file(fixtures_dir() + "/photo.jpg")));
  Stack stack({.config_lines = {"max_inflight = 1"}, .origin = slow.url()});
  std::vector<std::future<std::pair<long, double>>> results;
  for (int i = 0; i < 4; ++i) {
    results.push_back(std::async(std::launch::async, [&stack, i] {
      auto start = std::chrono::steady_clock::now();
      long status =
          stack.get("/image/" + std::to_string(100 + i) + "x-/a" + std::to_string(i) + ".jpg")
              .status;
      double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      return std::pair{status, seconds};
    }));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  int ok = 0, overloaded = 0;
  for (auto& result : results) {
    auto [status, seconds] = result.get();
    if (status == 200) ++ok;
    if (status == 503) {
      ++overloaded;
      EXPECT_LT(seconds, 1.0) << "a 503 must come at once";
    }
  }
  EXPECT_EQ(ok, 1);
  EXPECT_EQ(overloaded, 3);
}

}  // namespace
}  // namespace imgcache::testing
