// The real deployment, per test: an origin nginx serving fixture images (and optionally
// https with a test CA), imgcache-fcgi with its own config and cache dir, and a front
// nginx whose server block is the shipped scripts/nginx/imgcache-site.conf. Everything
// listens on 127.0.0.1 on free ports and is stopped when the Stack is destroyed.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/integration/http_client.h"
#include "tests/integration/process.h"
#include "tests/support/temp_dir.h"

namespace imgcache::testing {

// The fixture images, generated once per test binary. Names: photo.jpg (1600×1200),
// big.jpg (4000×3000), portrait.jpg (600×900), alpha.png (400×300), anim.gif (200×100,
// 3 frames), small.jpg (100×80), text.txt, truncated.jpg, huge.jpg (over 300k),
// bomb.png (header claims 30000×30000), page.svg.
const std::string& fixtures_dir();

enum class Front { nginx, apache };
enum class Launch {
  tcp,          // imgcache-fcgi --listen 127.0.0.1:PORT
  unix_socket,  // imgcache-fcgi --listen unix:PATH
  spawn_fcgi,   // spawn-fcgi opens the socket and passes it on standard input
  // The Stack opens the socket and passes it on standard input, holding it across the
  // responder's restarts, as systemd's socket activation (imgcache-fcgi.socket) does.
  socket_activation,
};

struct StackOptions {
  std::vector<std::string> config_lines;  // extra imgcache.conf lines, "key = value"
  std::string origin;                     // default: the origin nginx over http
  bool https_origin = false;              // start the origin with TLS as well
  std::string origin_root;                // what the origin nginx serves; default fixtures_dir()
  int responders = 1;                     // imgcache-fcgi processes sharing one cache dir
  Front front = Front::nginx;             // the web server in front (apache: one responder)
  Launch launch = Launch::tcp;
  // Responders as separate nodes: each on its own loopback address (127.0.0.11, .12…)
  // with its own cache dir, behind scripts/nginx/imgcache-cluster.conf (consistent hash).
  bool cluster = false;
  // nginx in front as scripts/nginx/imgcache-microcache.conf has it (a one-minute
  // fastcgi_cache of its own) instead of imgcache-site.conf.
  bool microcache = false;
  // Shell commands run before the responder starts, in its shell (e.g. "ulimit -f 16").
  std::string responder_shell_prefix;
  // Extra directives in the origin nginx's server blocks (http and https), e.g.
  // "location = /a.jpg { return 302 /b.jpg; }".
  std::string origin_directives;
};

class Stack {
 public:
  explicit Stack(StackOptions options = {});
  Stack(const Stack&) = delete;
  Stack& operator=(const Stack&) = delete;
  ~Stack();

  // http://127.0.0.1:<front>/<path>
  std::string url(const std::string& path) const;
  HttpResult get(const std::string& path, const std::vector<std::string>& headers = {},
                 const std::string& method = "GET") const;

  std::string cache_dir(int node = 0) const;
  // The responder's own FastCGI port (Launch::tcp), for tests that speak FastCGI to it.
  int fcgi_port(int index = 0) const { return fcgi_ports_.at(index).port(); }
  std::string origin_http() const;   // http://127.0.0.1:<port>
  std::string origin_https() const;  // https://localhost:<port> (SNI needed)
  std::string ca_file() const { return dir_.file("tls/ca.crt"); }
  // Lines of the origin's access log naming this request path. The origin writes a line
  // after its answer, which the responder may have used already: the log is read again
  // until it has `expected` of them (at most 10 s), then the count is returned.
  int origin_requests(const std::string& path, int expected) const;
  // What the responders wrote to stderr; in a cluster, what one node wrote.
  std::string responder_log(int node = 0) const;
  Process& responder(int index = 0) { return *responders_.at(index); }
  // Stops / starts one responder (a cluster node going away and coming back).
  void stop_responder(int index) { responders_.at(index).reset(); }
  void start_responder(int index);
  std::string config_file() const { return dir_.file("imgcache.conf"); }
  // Stops / starts the origin nginx (to make it unreachable).
  void stop_origin();
  void start_origin();

 private:
  void make_certificates();
  void write_responder_config();
  void start_front();
  void start_nginx_front();
  void start_apache_front();
  std::string fcgi_address(int index) const;  // "127.0.0.1:PORT" or "unix:PATH"
  std::string fcgi_host(int index) const;
  std::string responder_log_file(int node) const;
  void wait_for_responder(int index, const std::string& log) const;
  std::string write_nginx_config(const std::string& name, const std::string& http_body) const;

  TempDir dir_;
  StackOptions options_;
  ReservedPort origin_port_;
  std::optional<ReservedPort> origin_tls_port_;
  std::vector<ReservedPort> fcgi_ports_;
  ReservedPort front_port_;
  std::unique_ptr<Process> origin_;
  std::vector<std::unique_ptr<Process>> responders_;
  std::unique_ptr<Process> front_;
};

}  // namespace imgcache::testing
