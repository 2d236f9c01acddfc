// Faults (issue: hardening): a full disk, a responder killed with SIGKILL in the middle of
// writes, clients that disconnect mid-request, more misses than max_inflight, cache files
// that are not regular files, and entries purged while nginx is sending them. The image is
// still served, no partial entry is ever served, and nothing leaks or stalls.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "core/cache_layout.h"
#include "core/cache_pruner.h"
#include "core/cache_scan.h"
#include "core/cache_store.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/image_request.h"
#include "tests/integration/scripted_origin.h"
#include "tests/integration/stack.h"
#include "tests/support/test_images.h"
#include "tests/support/wait.h"

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

// Requests `count` thumbnails of big.jpg 1500 pixels wide and more, each over `min_bytes`;
// expects each to be served whole.
void expect_large_thumbnails_served(const Stack& stack, int count, std::size_t min_bytes) {
  for (int size = 1500; size < 1500 + count; ++size) {
    HttpResult r = stack.get("/image/" + std::to_string(size) + "x-/big.jpg");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(decode(r.body).width, static_cast<unsigned>(size));
    EXPECT_GT(r.body.size(), min_bytes);
  }
}

TEST(Faults, FullDiskStillServesAndWarnsOnce) {
  // Files over 16 KiB cannot be written: every resized entry fails to be cached.
  Stack stack({.responder_shell_prefix = "ulimit -f 16"});
  expect_large_thumbnails_served(stack, 6, 16 * 1024);
  EXPECT_EQ(count_entries(stack.cache_dir()), 0);
  EXPECT_EQ(count_files_with(stack.cache_dir(), ".tmp-"), 0);
  std::string log = stack.responder_log();
  auto first = log.find("cannot write cache entry");
  EXPECT_NE(first, std::string::npos) << log;
  EXPECT_EQ(log.find("cannot write cache entry", first + 1), std::string::npos)
      << "warned more than once per interval:\n"
      << log;
  EXPECT_TRUE(stack.responder().running()) << "the responder died";
}

// Kills the responder the moment a cache write is seen under way (a temporary file in the
// cache) and reaps it; true if the kill left that write unfinished, its temporary file
// still there. The check is a tight loop: a write of megabytes lasts milliseconds.
bool killed_mid_write(Stack& stack) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (count_files_with(stack.cache_dir(), ".tmp-") == 0) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  stack.responder().signal(SIGKILL);
  stack.responder().wait(std::chrono::seconds(10));
  return count_files_with(stack.cache_dir(), ".tmp-") > 0;
}

TEST(Faults, KilledMidWriteNeverServesAPartialEntry) {
  // Noise does not compress: each entry is megabytes, written long enough to be caught.
  TempDir origin;
  origin.write("noise.png", make_noise_png(1600, 1600));
  ::chmod(origin.path().c_str(), 0755);
  Stack stack({.origin_root = origin.path()});
  std::vector<std::string> paths;
  int interrupted = 0;
  for (int round = 0; round < 4; ++round) {
    std::vector<std::future<void>> inflight;
    for (int i = 0; i < 3; ++i) {
      std::string path = "/image/" + std::to_string(1500 + round * 3 + i) + "x-,png/noise.png";
      paths.push_back(path);
      inflight.push_back(std::async(std::launch::async, [&stack, path] {
        try {
          stack.get(path);
        } catch (const std::exception&) {
          // The responder died under the request: the client sees an error, that's all.
        }
      }));
    }
    interrupted += killed_mid_write(stack);
    for (auto& request : inflight) request.get();
    stack.start_responder(0);
    ASSERT_TRUE(wait_until([&] { return count_files_with(stack.cache_dir(), ".tmp-") == 0; }))
        << "the restarted responder did not sweep what the killed one left half-written";
  }
  RecordProperty("interrupted_writes", interrupted);
  ASSERT_GT(interrupted, 0) << "no kill landed in the middle of a write";
  for (const std::string& path : paths) {
    HttpResult r = stack.get(path);
    ASSERT_EQ(r.status, 200) << path;
    std::string op = path.substr(7, path.find('/', 7) - 7);
    std::string fresh = run_command(std::string(IMGCACHE_CLI_BIN) + " resize -s " + op + " " +
                                    origin.path() + "/noise.png - 2>/dev/null");
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
    ASSERT_EQ(wait_for_count([&] { return fetches.load(); }, abandoned), abandoned);
    for (int fd : clients) ::close(fd);
    // The responder finishes the abandoned work (the entries are worth keeping).
    auto entries = [&] { return count_entries(stack.cache_dir()); };
    ASSERT_EQ(wait_for_count(entries, abandoned), abandoned);
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
  std::vector<std::string> fds_after;
  wait_until([&] {
    fds_after = open_fds(pid);
    return fds_after.size() <= fds_before.size();
  });
  EXPECT_LE(fds_after.size(), fds_before.size()) << "file descriptors leaked; before:\n"
                                                 << join_lines(fds_before) << "after:\n"
                                                 << join_lines(fds_after);
  EXPECT_LE(threads_of(pid), threads_before) << "threads leaked";
  EXPECT_TRUE(stack.responder().running()) << "the responder died";
  HttpResult again = stack.get("/image/300x-/big.jpg");
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.header("x-cache"), "HIT");
}

TEST(Faults, WithNoQueueMissesBeyondMaxInflightGet503AtOnce) {
  // The one miss in flight is held by its origin until the others are answered: they get
  // 503 while it is still in flight, not once it is done (had they waited for it, they
  // would be answered after the origin gives up holding, 10 s later, and with 200).
  GatedOrigin slow(read_file(fixtures_dir() + "/photo.jpg"));
  Stack stack({.config_lines = {"max_inflight = 1", "max_queue = 0"}, .origin = slow.origin.url()});
  auto in_flight =
      std::async(std::launch::async, [&stack] { return stack.get("/image/100x-/a0.jpg").status; });
  ASSERT_TRUE(wait_until([&] { return !slow.origin.requests().empty(); }));
  for (int i = 1; i < 4; ++i) {
    HttpResult r =
        stack.get("/image/" + std::to_string(100 + i) + "x-/a" + std::to_string(i) + ".jpg");
    EXPECT_EQ(r.status, 503) << i;
    EXPECT_TRUE(r.has_header("retry-after")) << i;
  }
  EXPECT_EQ(in_flight.wait_for(std::chrono::seconds(0)), std::future_status::timeout)
      << "the 503s came only after the miss in flight";
  slow.open.set_value();
  EXPECT_EQ(in_flight.get(), 200);
  EXPECT_EQ(slow.origin.requests().size(), 1u) << "the turned-away misses were not fetched";
}

// The body file of the cache entry that a request for `path` makes (levels 1:2).
std::string entry_file(const Stack& stack, const std::string& path) {
  Config config;
  std::string hex =
      key_digest(cache_key(stack.origin_http(), parse_image_request(path, config), {}));
  return stack.cache_dir() + "/" + hex.substr(31, 1) + "/" + hex.substr(29, 2) + "/" + hex;
}

struct TimedResult {
  long status = 0;  // 0: no answer within the client's 30 s
  std::string x_cache;
  unsigned width = 0;
  double seconds = 0;
};

TimedResult timed_get(const Stack& stack, const std::string& path) {
  TimedResult out;
  auto start = std::chrono::steady_clock::now();
  try {
    HttpResult r = stack.get(path);
    out.status = r.status;
    out.x_cache = r.header("x-cache");
    if (r.status == 200) out.width = decode(r.body).width;
  } catch (const std::exception&) {
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

// A cap on the responder's address space, so a reader that grows without bound fails
// (and cannot take the machine down) instead of answering. AddressSanitizer reserves
// terabytes of address space for its shadow memory and cannot start under such a cap; its
// own allocator limit stands in for it there.
#ifdef __SANITIZE_ADDRESS__
constexpr const char* kAddressSpaceCap = "";
#else
constexpr const char* kAddressSpaceCap = "ulimit -v 3000000";
#endif

TEST(Faults, CacheFilesThatAreNotRegularFilesAreMissesAndStallNothing) {
  Stack stack({.responder_shell_prefix = kAddressSpaceCap});
  struct Planted {
    std::string path;
    bool meta;  // the .meta, else the body
    bool fifo;  // a FIFO, else a symbolic link to /dev/zero
  };
  const std::vector<Planted> planted = {{"/image/100x100/photo.jpg", true, false},
                                        {"/image/110x110/photo.jpg", true, true},
                                        {"/image/120x120/photo.jpg", false, false},
                                        {"/image/130x130/photo.jpg", false, true}};
  const std::string hit_path = "/image/140x140/photo.jpg";
  for (const Planted& p : planted) ASSERT_EQ(stack.get(p.path).status, 200) << p.path;
  ASSERT_EQ(stack.get(hit_path).status, 200);
  for (const Planted& p : planted) {
    std::string file = entry_file(stack, p.path) + (p.meta ? ".meta" : "");
    ASSERT_TRUE(fs::remove(file)) << file;
    if (p.fifo) {
      ASSERT_EQ(::mkfifo(file.c_str(), 0644), 0) << file;
    } else {
      fs::create_symlink("/dev/zero", file);
    }
  }

  std::vector<std::future<TimedResult>> odd;
  for (const Planted& p : planted) {
    odd.push_back(std::async(std::launch::async, [&stack, p] { return timed_get(stack, p.path); }));
  }
  // Meanwhile hits on another key are answered as usual.
  std::vector<TimedResult> hits;
  for (int i = 0; i < 10; ++i) {
    hits.push_back(timed_get(stack, hit_path));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // A reader stuck on a FIFO or on /dev/zero would hold its request until the client gives
  // up (30 s); answered at all within 10 s, nothing stalled.
  for (const TimedResult& hit : hits) {
    EXPECT_EQ(hit.status, 200);
    EXPECT_EQ(hit.x_cache, "HIT");
    EXPECT_LT(hit.seconds, 10.0);
  }
  for (std::size_t i = 0; i < planted.size(); ++i) {
    TimedResult r = odd[i].get();
    const std::string& path = planted[i].path;
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.x_cache, "MISS") << path;  // fetched and resized again
    EXPECT_EQ(r.width, static_cast<unsigned>(std::stoi(path.substr(7)))) << path;
    EXPECT_LT(r.seconds, 10.0) << path;
  }
  // The odd files were replaced by a regular entry, served as a hit from now on.
  for (const Planted& p : planted) {
    std::string file = entry_file(stack, p.path) + (p.meta ? ".meta" : "");
    EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(file))) << file;
    EXPECT_EQ(timed_get(stack, p.path).x_cache, "HIT") << p.path;
  }
  EXPECT_NE(stack.responder_log().find("not a regular file"), std::string::npos)
      << stack.responder_log();
  EXPECT_TRUE(stack.responder().running()) << "the responder died";
}

// Removes every entry, as `imgcache purge --all` does (odd rounds), or prunes the cache to
// nothing, as the cache manager does over max_size (even rounds).
void empty_cache(CacheStore& store, int round) {
  if (round % 2 == 0) {
    prune_cache(store, {.max_size = 1}, SystemClock());
    return;
  }
  std::vector<std::string> digests;
  scan_cache(store.root(),
             {[&](const EntryFiles& entry) { digests.push_back(entry.hex); }, nullptr});
  for (const std::string& hex : digests) store.remove_digest(hex, true);
}

TEST(Faults, XAccelRedirectHitsSurviveAPurgeAndPruneLoop) {
  Stack stack({.config_lines = {"sendfile_header = x-accel-redirect"}});
  const std::vector<std::string> paths = {"/image/30x30/small.jpg", "/image/40x40/small.jpg",
                                          "/image/50x50/small.jpg", "/image/60x60/small.jpg"};
  for (const std::string& path : paths) ASSERT_EQ(stack.get(path).status, 200) << path;

  // Bounded: 3000 answers or 20 s, whichever comes first.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  std::atomic<int> answers{0}, hits{0}, not_found{0}, failed{0};
  std::atomic<bool> stop{false};
  std::thread remover([&] {
    CacheStore store(stack.cache_dir(), parse_levels("1:2"));
    for (int round = 0; !stop; ++round) {
      empty_cache(store, round);
      std::this_thread::sleep_for(std::chrono::milliseconds(3));
    }
  });
  auto client = [&](std::size_t first) {
    for (std::size_t i = first; answers < 3000 && std::chrono::steady_clock::now() < deadline;
         ++i) {
      HttpResult r = stack.get(paths[i % paths.size()]);
      ++answers;
      hits += r.header("x-cache") == "HIT";
      not_found += r.status == 404;
      try {
        failed += r.status != 200 || decode(r.body).width == 0;
      } catch (const std::exception&) {
        ++failed;
      }
    }
  };
  std::thread other(client, 1);
  client(0);
  other.join();
  stop = true;
  remover.join();
  RecordProperty("answers", answers);
  RecordProperty("hits", hits);
  EXPECT_EQ(not_found, 0) << "of " << answers << " answers, " << hits << " hits";
  EXPECT_EQ(failed, 0) << "of " << answers << " answers";
  EXPECT_GT(hits, 0);
}

// A tmpfs of `size` mounted over `dir` (as root, where mount(2) is allowed), unmounted when
// destroyed.
class SmallTmpfs {
 public:
  SmallTmpfs(std::string dir, const std::string& size) : dir_(std::move(dir)) {
    const std::string options = "size=" + size + ",mode=0755";
    mounted_ = ::geteuid() == 0 && ::mount("tmpfs", dir_.c_str(), "tmpfs", 0, options.c_str()) == 0;
  }
  SmallTmpfs(const SmallTmpfs&) = delete;
  SmallTmpfs& operator=(const SmallTmpfs&) = delete;
  ~SmallTmpfs() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }

 private:
  std::string dir_;
  bool mounted_ = false;
};

TEST(Faults, AFullCacheFileSystemStillServesAndKeepsWhatFits) {
  // Noise does not compress: each PNG of it is far larger than the whole file system.
  TempDir origin;
  origin.write("noise.png", make_noise_png(800, 800));
  fs::copy_file(fixtures_dir() + "/photo.jpg", origin.file("photo.jpg"));
  ::chmod(origin.path().c_str(), 0755);
  Stack stack({.origin_root = origin.path()});
  // The responder starts again on the small file system, so that the cache index is on it
  // too from the first request, as on a cache disk of its own.
  stack.stop_responder(0);
  SmallTmpfs disk(stack.cache_dir(), "256k");
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (needs root and mount(2))";
  stack.start_responder(0);
  const std::string small = "/image/40x40/photo.jpg";
  ASSERT_EQ(stack.get(small).header("x-cache"), "MISS");
  for (int size = 700; size < 704; ++size) {
    HttpResult r = stack.get("/image/" + std::to_string(size) + "x-,png/noise.png");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(decode(r.body).width, static_cast<unsigned>(size));
    EXPECT_GT(r.body.size(), 256u * 1024);
  }
  EXPECT_EQ(count_entries(stack.cache_dir()), 1);
  EXPECT_EQ(count_files_with(stack.cache_dir(), ".tmp-"), 0);
  EXPECT_NE(stack.responder_log().find("No space left on device"), std::string::npos)
      << stack.responder_log();
  EXPECT_EQ(stack.get(small).header("x-cache"), "HIT") << stack.responder_log();
  EXPECT_TRUE(stack.responder().running()) << "the responder died";
}

}  // namespace
}  // namespace imgcache::testing
