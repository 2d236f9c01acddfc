// Faults (issue: hardening): a full disk, a responder killed with SIGKILL in the middle of
// writes, clients that disconnect mid-request, and more misses than max_inflight. The
// image is still served, no partial entry is ever served, and nothing leaks.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <string>
#include <thread>
#include <vector>

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

// What each open descriptor of a process points at: a file, "socket:[inode]", "pipe:[...]".
std::vector<std::string> open_fds(pid_t pid) {
  std::vector<std::string> targets;
  for (const auto& fd : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
    std::error_code error;
    targets.push_back(fs::read_symlink(fd.path(), error).string());
  }
  return targets;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string joined;
  for (const std::string& line : lines) joined += "  " + line + "\n";
  return joined;
}

int threads_of(pid_t pid) {
  std::string status = read_file("/proc/" + std::to_string(pid) + "/status");
  auto at = status.find("Threads:");
  return at == std::string::npos ? -1 : std::stoi(status.substr(at + 8));
}

// Opens a connection to the front and sends a request without reading the answer.
int send_request(int port, const std::string& path) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
    std::string request = "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
    ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  }
  return fd;
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
  // A slow origin keeps every request inside the responder while its client hangs up; nginx
  // then drops the FastCGI connection and the responder finds out when it answers.
  std::atomic<int> fetches{0};
  ScriptedOrigin slow(
      [&fetches, body = read_file(fixtures_dir() + "/big.jpg")](const std::string&) {
        ++fetches;
        ScriptedReply reply = http_reply(200, body);
        reply.delay = std::chrono::milliseconds(500);
        return reply;
      });
  Stack stack({.config_lines = {"threads = 8", "max_inflight = 8"}, .origin = slow.url()});
  const int port = port_of(stack.url(""));
  int abandoned = 0;
  auto hang_up_round = [&] {
    std::vector<int> clients;
    for (int i = 0; i < 8; ++i)
      clients.push_back(
          send_request(port, "/image/" + std::to_string(300 + abandoned++) + "x-/big.jpg"));
    // Hang up once every request is inside the responder, waiting for the origin.
    for (int i = 0; i < 200 && fetches < abandoned; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_EQ(fetches, abandoned);
    for (int fd : clients) ::close(fd);
    // The responder finishes the abandoned work (the entries are worth keeping).
    for (int i = 0; i < 200 && count_entries(stack.cache_dir()) < abandoned; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_EQ(count_entries(stack.cache_dir()), abandoned);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  };
  // After one round every worker holds what it keeps on purpose; a second may add nothing.
  hang_up_round();
  if (HasFatalFailure()) return;
  pid_t pid = stack.responder().pid();
  const std::vector<std::string> fds_before = open_fds(pid);
  const int threads_before = threads_of(pid);
  hang_up_round();
  hang_up_round();
  std::vector<std::string> fds_after = open_fds(pid);
  for (int i = 0; i < 50 && fds_after.size() > fds_before.size(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    fds_after = open_fds(pid);
  }
  EXPECT_LE(fds_after.size(), fds_before.size()) << "file descriptors leaked; before:\n"
                                                 << join_lines(fds_before) << "after:\n"
                                                 << join_lines(fds_after);
  EXPECT_LE(threads_of(pid), threads_before) << "threads leaked";
  EXPECT_EQ(::kill(pid, 0), 0);
  HttpResult again = stack.get("/image/300x-/big.jpg");
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.header("x-cache"), "HIT");
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
