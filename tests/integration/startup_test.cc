// imgcache-fcgi on its own, started as an operator would (imgcache-fcgi(8) OPTIONS, SIGNALS,
// EXIT STATUS): the --listen address forms, a stop by SIGINT, and exit status 2 without
// serving on a configuration error or without a socket to serve.
#include <gtest/gtest.h>
#include <signal.h>

#include <memory>
#include <optional>
#include <thread>

#include "tests/integration/fcgi_client.h"
#include "tests/integration/process.h"
#include "tests/integration/stack.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_images.h"

namespace imgcache::testing {
namespace {

using namespace std::chrono_literals;

// imgcache-fcgi with `config` as its configuration file and `arguments` after it; its
// standard input is /dev/null (not a socket) and its log is `dir`/responder.log.
std::unique_ptr<Process> start_responder(const TempDir& dir, const std::string& config,
                                         const std::vector<std::string>& arguments) {
  std::vector<std::string> argv = {IMGCACHE_FCGI_BIN, "--config",
                                   dir.write("imgcache.conf", config)};
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  return std::make_unique<Process>(argv, dir.file("responder.log"));
}

// imgcache-fcgi serving the fixture images from a file:// origin on `listen`.
std::unique_ptr<Process> start_serving(const TempDir& dir, const std::string& listen) {
  const std::string config =
      "origin = file://" + fixtures_dir() + "\ncache_dir = " + dir.file("cache") + "\n";
  return start_responder(dir, config, {"--listen", listen});
}

// A connection to host:port, if something accepts there now.
std::unique_ptr<FcgiConnection> connect_to(const std::string& host, int port) {
  try {
    return std::make_unique<FcgiConnection>(host, port);
  } catch (const std::runtime_error&) {
    return nullptr;
  }
}

// A connection to host:port once something accepts there (at most 10 s).
std::unique_ptr<FcgiConnection> connect_when_up(const std::string& host, int port) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  std::unique_ptr<FcgiConnection> connection = connect_to(host, port);
  while (!connection && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
    connection = connect_to(host, port);
  }
  return connection;
}

// The CGI headers and body of the answer to GET `uri`.
std::string fcgi_get(FcgiConnection& connection, const std::string& uri) {
  if (!connection.send(fcgi_request(1, "GET", uri))) return "";
  return stdout_by_id(connection.read_records(1, 10s))[1];
}

void expect_serves_a_thumbnail(const std::string& host, int port) {
  std::unique_ptr<FcgiConnection> connection = connect_when_up(host, port);
  ASSERT_TRUE(connection) << "nothing accepts on " << host << " port " << port;
  std::string answer = fcgi_get(*connection, "/image/100x100/photo.jpg");
  ASSERT_EQ(answer.rfind("Status: 200", 0), 0u) << answer.substr(0, 200);
  EXPECT_EQ(decode(answer.substr(answer.find("\r\n\r\n") + 4)).width, 100u);
}

TEST(ResponderStartup, ListensOnAPortAloneAndOnBracketedIpv6) {
  TempDir dir;
  const ReservedPort any_port_reserved;
  const int any_port = any_port_reserved.port();
  auto any = start_serving(dir, ":" + std::to_string(any_port));
  expect_serves_a_thumbnail("127.0.0.1", any_port);

  const ReservedPort v6_port_reserved;
  const int v6_port = v6_port_reserved.port();
  auto v6 = start_serving(dir, "[::1]:" + std::to_string(v6_port));
  expect_serves_a_thumbnail("::1", v6_port);
  EXPECT_FALSE(connect_to("127.0.0.1", v6_port)) << "[::1] is not 127.0.0.1";
}

TEST(ResponderStartup, SigintStopsItWithStatus0) {
  TempDir dir;
  const ReservedPort port_reserved;
  const int port = port_reserved.port();
  auto responder = start_serving(dir, "127.0.0.1:" + std::to_string(port));
  expect_serves_a_thumbnail("127.0.0.1", port);
  responder->signal(SIGINT);
  EXPECT_EQ(responder->wait(30s), std::optional<int>(0));
  EXPECT_NE(read_file(dir.file("responder.log")).find("imgcache-fcgi: stopping"),
            std::string::npos);
}

TEST(ResponderStartup, SaysWhatItRunsWithOnItsFirstLineAndAnswersVersion) {
  TempDir dir;
  const ReservedPort port_reserved;
  const std::string listen = "127.0.0.1:" + std::to_string(port_reserved.port());
  auto responder = start_serving(dir, listen);
  expect_serves_a_thumbnail("127.0.0.1", port_reserved.port());
  const std::string log = read_file(dir.file("responder.log"));
  const std::string first_line = log.substr(0, log.find('\n'));
  for (const std::string& fact :
       {std::string("imgcache-fcgi: 0."), " starting: config " + dir.file("imgcache.conf"),
        "listen " + listen, std::string(" workers, origin file://"),
        "cache " + dir.file("cache") + " (max 100M, inactive 40d)"}) {
    EXPECT_NE(first_line.find(fact), std::string::npos) << fact << " not in: " << first_line;
  }

  Process version({IMGCACHE_FCGI_BIN, "--version"}, dir.file("version.log"));
  EXPECT_EQ(version.wait(10s), std::optional<int>(0));
  EXPECT_EQ(read_file(dir.file("version.log")).rfind("imgcache-fcgi 0.", 0), 0u);
}

struct StartupFailure {
  std::string name;
  std::string config;
  bool listen;         // whether --listen is given
  std::string logged;  // what the log must say
};

TEST(ResponderStartup, ConfigErrorsAndNoSocketExit2WithoutServing) {
  TempDir dir;
  const std::string cache = "cache_dir = " + dir.file("cache") + "\n";
  const std::string origin = "origin = file://" + fixtures_dir() + "\n";
  const std::vector<StartupFailure> failures = {
      {"an unknown key", origin + cache + "no_such_key = 1\n", true, "imgcache.conf:3"},
      {"a bad value", origin + cache + "jpeg_quality = 101\n", true, "imgcache.conf:3"},
      {"no origin", cache, true, "origin: not set"},
      {"no --listen, stdin not a socket", origin + cache, false, "standard input is not a socket"},
  };
  for (const StartupFailure& failure : failures) {
    TempDir run;
    const ReservedPort port_reserved;
    const int port = port_reserved.port();
    std::vector<std::string> arguments;
    if (failure.listen) arguments = {"--listen", "127.0.0.1:" + std::to_string(port)};
    auto responder = start_responder(run, failure.config, arguments);
    EXPECT_EQ(responder->wait(30s), std::optional<int>(2)) << failure.name;
    EXPECT_NE(read_file(run.file("responder.log")).find(failure.logged), std::string::npos)
        << failure.name << ": " << read_file(run.file("responder.log"));
    EXPECT_FALSE(connect_to("127.0.0.1", port)) << failure.name << ": something serves";
  }
}

}  // namespace
}  // namespace imgcache::testing
