#include "tests/integration/stack.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/support/test_images.h"
#include "tests/support/wait.h"

namespace imgcache::testing {
namespace {

constexpr auto kStartTimeout = std::chrono::seconds(10);

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

void require_port(int port, const std::string& what, const std::string& log) {
  if (!wait_for_port(port, kStartTimeout)) {
    throw std::runtime_error(what + " did not start; log:\n" + read_file(log));
  }
}

}  // namespace

const std::string& fixtures_dir() {
  // Made once per test binary, removed when it exits.
  static TempDir dir;
  static const bool made = [d = &dir] {
    d->write("photo.jpg", make_image(ImageFormat::jpeg, 1600, 1200));
    d->write("big.jpg", make_image(ImageFormat::jpeg, 4000, 3000));
    d->write("portrait.jpg", make_image(ImageFormat::jpeg, 600, 900));
    d->write("alpha.png", make_png_with_alpha(400, 300));
    d->write("anim.gif", make_animated_gif(200, 100, 3));
    d->write("small.jpg", make_image(ImageFormat::jpeg, 100, 80));
    d->write("dir with space/photo one.jpg", make_image(ImageFormat::jpeg, 320, 240));
    d->write("text.txt", std::string(2000, 'x'));
    std::string photo = make_image(ImageFormat::jpeg, 800, 600);
    d->write("truncated.jpg", photo.substr(0, photo.size() / 2));
    d->write("bomb.png", make_png_bomb(30000, 30000));
    d->write("page.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"/>" +
                             std::string(100, ' '));
    // huge.jpg: a real JPEG padded with a comment past the 300k limit the tests set.
    std::string huge = make_image(ImageFormat::jpeg, 640, 480);
    d->write("huge.jpg", huge + std::string(400 * 1024, '\0'));
    ::chmod(d->path().c_str(), 0755);
    return true;
  }();
  (void)made;
  return dir.path();
}

Stack::Stack(StackOptions options) : options_(std::move(options)) {
  ::chmod(dir_.path().c_str(), 0755);
  std::filesystem::create_directories(dir_.file("logs"));
  if (options_.https_origin) {
    origin_tls_port_.emplace();
    make_certificates();
  }
  start_origin();
  write_responder_config();
  for (int i = 0; i < options_.responders; ++i) start_responder(i);
  start_front();
}

Stack::~Stack() {
  front_.reset();
  responders_.clear();
  origin_.reset();
}

void Stack::stop_origin() { origin_.reset(); }

std::string Stack::origin_http() const {
  return "http://127.0.0.1:" + std::to_string(origin_port_.port());
}

std::string Stack::origin_https() const {
  return "https://localhost:" + std::to_string(origin_tls_port_->port());
}

std::string Stack::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(front_port_.port()) + path;
}

HttpResult Stack::get(const std::string& path, const std::vector<std::string>& headers,
                      const std::string& method) const {
  return http_request(url(path), headers, method);
}

int Stack::origin_requests(const std::string& path, int expected) const {
  auto count = [&] {
    std::istringstream log(read_file(dir_.file("logs/origin-access.log")));
    int lines = 0;
    for (std::string line; std::getline(log, line);) lines += line == path;
    return lines;
  };
  return wait_for_count(count, expected);
}

std::string Stack::responder_log(int node) const { return read_file(responder_log_file(node)); }

std::string Stack::responder_log_file(int node) const {
  return dir_.file(options_.cluster ? "logs/responder-" + std::to_string(node) + ".log"
                                    : "logs/responder.log");
}

std::string Stack::write_nginx_config(const std::string& name, const std::string& http_body) const {
  std::string prefix = dir_.file(name);
  std::filesystem::create_directories(prefix);
  std::string conf = std::string(::geteuid() == 0 ? "user root;\n" : "") +
                     "daemon off;\nworker_processes 1;\n"
                     "pid " +
                     prefix +
                     "/nginx.pid;\n"
                     "error_log " +
                     prefix +
                     "/error.log;\n"
                     "events { worker_connections 4096; }\n"
                     "http {\n"
                     "  client_body_temp_path " +
                     prefix +
                     "/body;\n"
                     "  fastcgi_temp_path " +
                     prefix +
                     "/fastcgi;\n"
                     "  proxy_temp_path " +
                     prefix +
                     "/proxy;\n"
                     "  uwsgi_temp_path " +
                     prefix +
                     "/uwsgi;\n"
                     "  scgi_temp_path " +
                     prefix +
                     "/scgi;\n"
                     "  include /etc/nginx/mime.types;\n" +
                     http_body + "}\n";
  std::string path = prefix + "/nginx.conf";
  write_text(path, conf);
  return path;
}

void Stack::make_certificates() {
  std::string tls = dir_.file("tls");
  std::filesystem::create_directories(tls);
  std::string script =
      "set -e; cd '" + tls +
      "'\n"
      "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 "
      "-subj /CN=imgcache-test-ca 2>/dev/null\n"
      "for name in localhost wrong.test; do\n"
      "  openssl req -newkey rsa:2048 -nodes -keyout $name.key -out $name.csr -subj /CN=$name "
      "2>/dev/null\n"
      "  printf 'subjectAltName=DNS:%s\\n' $name > $name.ext\n"
      "  openssl x509 -req -in $name.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out $name.crt "
      "-days 2 -extfile $name.ext 2>/dev/null\n"
      "done\n";
  write_text(tls + "/make.sh", script);
  run_command("bash '" + tls + "/make.sh'");
}

void Stack::start_origin() {
  std::string root = options_.origin_root.empty() ? fixtures_dir() : options_.origin_root;
  std::string body =
      "  log_format bare '$request_uri';\n"
      "  access_log " +
      dir_.file("logs/origin-access.log") +
      " bare;\n"
      "  server {\n"
      "    listen 127.0.0.1:" +
      std::to_string(origin_port_.port()) +
      ";\n"
      "    root " +
      root + ";\n" + options_.origin_directives +
      "\n"
      "  }\n";
  if (options_.https_origin) {
    std::string tls = dir_.file("tls/");
    std::string port = std::to_string(origin_tls_port_->port());
    // Without SNI a client gets the default server's certificate, for another name.
    body +=
        "  server {\n"
        "    listen 127.0.0.1:" +
        port +
        " ssl default_server;\n"
        "    ssl_certificate " +
        tls +
        "wrong.test.crt;\n"
        "    ssl_certificate_key " +
        tls +
        "wrong.test.key;\n"
        "    return 404;\n"
        "  }\n"
        "  server {\n"
        "    listen 127.0.0.1:" +
        port +
        " ssl;\n"
        "    server_name localhost;\n"
        "    ssl_certificate " +
        tls +
        "localhost.crt;\n"
        "    ssl_certificate_key " +
        tls +
        "localhost.key;\n"
        "    root " +
        root + ";\n" + options_.origin_directives +
        "\n"
        "  }\n";
  }
  std::string conf = write_nginx_config("origin", body);
  std::string log = dir_.file("logs/origin.log");
  origin_ = std::make_unique<Process>(
      std::vector<std::string>{NGINX_BIN, "-p", dir_.file("origin"), "-c", conf, "-e", log}, log);
  require_port(origin_port_.port(), "origin nginx", log);
  if (options_.https_origin) require_port(origin_tls_port_->port(), "origin nginx (tls)", log);
}

void Stack::write_responder_config() {
  std::string config = "origin = " + (options_.origin.empty() ? origin_http() : options_.origin) +
                       "\n"
                       "cache_dir = " +
                       cache_dir() +
                       "\n"
                       "threads = 8\n";
  for (const std::string& line : options_.config_lines) config += line + "\n";
  write_text(config_file(), config);
}

std::string Stack::cache_dir(int node) const {
  return options_.cluster ? dir_.file("cache-" + std::to_string(node)) : dir_.file("cache");
}

std::string Stack::fcgi_address(int index) const {
  if (options_.launch == Launch::unix_socket) {
    return "unix:" + dir_.file("fcgi-" + std::to_string(index) + ".sock");
  }
  return fcgi_host(index) + ":" + std::to_string(fcgi_port(index));
}

std::string Stack::fcgi_host(int index) const {
  return options_.cluster ? "127.0.0." + std::to_string(11 + index) : "127.0.0.1";
}

void Stack::wait_for_responder(int index, const std::string& log) const {
  if (options_.launch == Launch::socket_activation) {
    // The socket accepts before the responder runs: its start-up line says it does.
    const auto started = [&] {
      const std::string text = read_file(log);
      const auto starting = text.rfind("starting:"), stopping = text.rfind("stopping");
      return starting != std::string::npos &&
             (stopping == std::string::npos || starting > stopping);
    };
    const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
    while (!started() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!started())
      throw std::runtime_error("imgcache-fcgi did not start; log:\n" + read_file(log));
    return;
  }
  if (options_.launch != Launch::unix_socket) {
    if (!wait_for_port(fcgi_host(index), fcgi_port(index), kStartTimeout)) {
      throw std::runtime_error("imgcache-fcgi did not start; log:\n" + read_file(log));
    }
    return;
  }
  std::string socket = fcgi_address(index).substr(5);
  for (int i = 0; i < 500 && !std::filesystem::exists(socket); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!std::filesystem::exists(socket)) {
    throw std::runtime_error("imgcache-fcgi did not start; log:\n" + read_file(log));
  }
}

void Stack::start_responder(int index) {
  while (static_cast<int>(fcgi_ports_.size()) <= index) {
    fcgi_ports_.emplace_back(fcgi_host(static_cast<int>(fcgi_ports_.size())));
  }
  while (static_cast<int>(responders_.size()) <= index) responders_.emplace_back();
  std::string log = responder_log_file(index);
  std::vector<std::string> argv;
  int stdin_fd = -1;
  if (options_.launch == Launch::spawn_fcgi) {
    // -n: spawn-fcgi binds the socket and execs the responder with it on stdin.
    argv = {SPAWN_FCGI_BIN, "-n",
            "-a",           "127.0.0.1",
            "-p",           std::to_string(fcgi_port(index)),
            "--",           IMGCACHE_FCGI_BIN,
            "--config",     config_file()};
  } else if (options_.launch == Launch::socket_activation) {
    argv = {IMGCACHE_FCGI_BIN, "--config", config_file(), "--cache_dir", cache_dir(index)};
    stdin_fd = fcgi_ports_.at(index).listening_socket();
  } else {
    argv = {IMGCACHE_FCGI_BIN,   "--config",    config_file(),   "--listen",
            fcgi_address(index), "--cache_dir", cache_dir(index)};
  }
  if (!options_.responder_shell_prefix.empty()) {
    // bash -c '<prefix>; exec "$0" "$@"' imgcache-fcgi args…
    argv.insert(argv.begin(),
                {"/bin/bash", "-c", options_.responder_shell_prefix + "; exec \"$0\" \"$@\""});
  }
  // A responder killed a moment ago may still hold its port until it is reaped.
  responders_[index].reset();
  responders_[index] = std::make_unique<Process>(argv, log, stdin_fd);
  wait_for_responder(index, log);
}

void Stack::start_front() {
  if (options_.front == Front::apache) {
    start_apache_front();
  } else {
    start_nginx_front();
  }
}

void Stack::start_apache_front() {
  std::string site =
      read_file(std::string(IMGCACHE_SOURCE_DIR) + "/scripts/apache/imgcache-site.conf");
  site = replace_all(site, "@LISTEN@", "127.0.0.1:" + std::to_string(front_port_.port()));
  site = replace_all(site, "@FCGI@", fcgi_address(0));
  site = replace_all(site, "@CACHE_DIR@", cache_dir());
  site = replace_all(site, "@MICROCACHE_DIR@", dir_.file("microcache"));
  std::string prefix = dir_.file("apache");
  std::filesystem::create_directories(prefix);
  write_text(prefix + "/site.conf", site);
  std::string modules = "/usr/lib/apache2/modules/";
  std::string conf = "ServerRoot " + prefix +
                     "\n"
                     "PidFile " +
                     prefix +
                     "/apache.pid\n"
                     "Mutex file:" +
                     prefix +
                     " default\n"
                     "ErrorLog " +
                     prefix +
                     "/error.log\n"
                     "LogLevel warn\n"
                     "ServerName localhost\n"
                     "Listen 127.0.0.1:" +
                     std::to_string(front_port_.port()) +
                     "\n"
                     "LoadModule mpm_event_module " +
                     modules +
                     "mod_mpm_event.so\n"
                     "LoadModule authz_core_module " +
                     modules +
                     "mod_authz_core.so\n"
                     "LoadModule proxy_module " +
                     modules +
                     "mod_proxy.so\n"
                     "LoadModule proxy_fcgi_module " +
                     modules +
                     "mod_proxy_fcgi.so\n"
                     "LoadModule xsendfile_module " +
                     modules +
                     "mod_xsendfile.so\n"
                     "Include " +
                     prefix + "/site.conf\n";
  write_text(prefix + "/apache.conf", conf);
  std::string log = dir_.file("logs/front.log");
  front_ = std::make_unique<Process>(
      std::vector<std::string>{APACHE_BIN, "-f", prefix + "/apache.conf", "-DFOREGROUND"}, log);
  require_port(front_port_.port(), "front apache", log + " and " + prefix + "/error.log");
}

void Stack::start_nginx_front() {
  const char* file = options_.cluster      ? "imgcache-cluster.conf"
                     : options_.microcache ? "imgcache-microcache.conf"
                                           : "imgcache-site.conf";
  std::string site = read_file(std::string(IMGCACHE_SOURCE_DIR) + "/scripts/nginx/" + file);
  // One server line per responder: the cluster file's @SERVERS@, the site's "server @FCGI@;".
  std::string servers;
  for (int i = 0; i < options_.responders; ++i) {
    servers += "server " + fcgi_address(i) + " max_fails=1 fail_timeout=1s;\n    ";
  }
  site = replace_all(site, "@SERVERS@", servers);
  site = replace_all(site, "server @FCGI@;\n", servers);
  site = replace_all(site, "@LISTEN@", "127.0.0.1:" + std::to_string(front_port_.port()));
  site = replace_all(site, "@CACHE_DIR@", cache_dir());
  site = replace_all(site, "@MICROCACHE_DIR@", dir_.file("microcache"));
  std::string site_path = dir_.file("site.conf");
  write_text(site_path, site);
  std::string body = "  access_log " + dir_.file("logs/front-access.log") + ";\n" + "  include " +
                     site_path + ";\n";
  std::string conf = write_nginx_config("front", body);
  std::string log = dir_.file("logs/front.log");
  front_ = std::make_unique<Process>(
      std::vector<std::string>{NGINX_BIN, "-p", dir_.file("front"), "-c", conf, "-e", log}, log);
  require_port(front_port_.port(), "front nginx", log);
}

}  // namespace imgcache::testing
