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
  Process(std::vector<std::string> argv, const std::string& log_file);
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

// A port on 127.0.0.1 that nothing listens on right now.
int free_port();
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
