// Child processes and loopback ports for the integration tests: a Process is started
// with fork/exec, its stderr going to a file, and is stopped (SIGTERM, then SIGKILL
// after a grace period) when destroyed, so no test leaves a server behind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace imgcache::testing {

class Process {
 public:
  // stdin_fd: what the process gets on standard input (default /dev/null).
  Process(std::vector<std::string> argv, const std::string& log_file, int stdin_fd = -1);
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process();

  pid_t pid() const { return pid_; }
  void signal(int signal_number) const;
  // Whether the process has not exited (a crashed child counts as exited even before it is
  // reaped, unlike kill(pid, 0)).
  bool running();
  // Waits for the exit; returns the exit status, or nullopt on timeout (or death by signal).
  std::optional<int> wait(std::chrono::milliseconds timeout);
  // SIGTERM, wait, SIGKILL if needed.
  void stop();

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
};

// A port for a server of the test, held from the moment it is chosen: bound with
// SO_REUSEADDR but not listening. No other bind takes it, while a server that binds it with
// SO_REUSEADDR too (nginx, Apache, spawn-fcgi and imgcache-fcgi do) listens on it, and
// listens on it again after a restart; while none listens, a connection is refused.
class ReservedPort {
 public:
  explicit ReservedPort(const std::string& host = "127.0.0.1");
  ReservedPort(ReservedPort&& other) noexcept;
  ReservedPort& operator=(ReservedPort&&) = delete;
  ~ReservedPort();

  int port() const { return port_; }
  // The socket itself, listening from now on: to hand to a server as systemd's socket
  // activation does, held here across the server's restarts.
  int listening_socket();

 private:
  int fd_ = -1;
  int port_ = 0;
};
// True once something accepts connections on 127.0.0.1:port (or host:port).
bool wait_for_port(int port, std::chrono::milliseconds timeout);
bool wait_for_port(const std::string& host, int port, std::chrono::milliseconds timeout);

// Runs a shell command; returns its stdout. Throws if it exits non-zero.
std::string run_command(const std::string& command);

struct CommandResult {
  int status = 0;  // exit status
  std::string output;
};
// Runs a shell command; returns exit status and stdout, whatever the status.
CommandResult run_command_status(const std::string& command);

std::string read_file(const std::string& path);

}  // namespace imgcache::testing
