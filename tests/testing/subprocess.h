// Runs the exporter binary as a user would: to completion, or in the
// background with its stderr in a file, until a signal stops it.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace rse::testing {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together.
};

// Runs `args` (args[0] is the program) with `cwd` as working directory. A
// program still running after `timeout_ms` is killed (exit_code -1), so a test
// fails instead of hanging.
CommandResult RunCommand(const std::vector<std::string>& args, const std::string& cwd,
                         int timeout_ms = 30'000);

class BackgroundProcess {
 public:
  BackgroundProcess(const std::vector<std::string>& args, const std::string& cwd);
  ~BackgroundProcess();  // SIGKILLs it if still running.

  // Waits up to `timeout_ms` for `needle` to appear in its stderr; returns the log so far.
  bool WaitForLog(const std::string& needle, int timeout_ms, std::string* log);
  pid_t pid() const { return pid_; }
  // Sends `signal` without waiting.
  void Signal(int signal);
  // Sends `signal` and waits up to `timeout_ms`; returns the exit code, or -1 on timeout.
  int StopWith(int signal, int timeout_ms);

 private:
  pid_t pid_ = -1;
  std::string log_path_;
};

}  // namespace rse::testing
