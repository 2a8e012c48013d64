#include "testing/subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

namespace rse::testing {
namespace {

pid_t Spawn(const std::vector<std::string>& args, const std::string& cwd,
            const std::string& out_path, bool merge_stdout) {
  pid_t pid = fork();
  if (pid != 0) return pid;
  // A test process that dies (a crash, a timeout) takes what it started
  // with it, instead of leaving an exporter that holds ctest's output pipe.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  int fd = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  dup2(fd, STDERR_FILENO);
  if (merge_stdout) dup2(fd, STDOUT_FILENO);
  if (chdir(cwd.c_str()) != 0) _exit(126);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  execv(argv[0], argv.data());
  _exit(127);
}

std::string TempPath() {
  char path[] = "/tmp/rse_subprocessXXXXXX";
  int fd = mkstemp(path);
  close(fd);
  return path;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

CommandResult RunCommand(const std::vector<std::string>& args, const std::string& cwd,
                         int timeout_ms) {
  std::string out_path = TempPath();
  pid_t pid = Spawn(args, cwd, out_path, /*merge_stdout=*/true);
  int status = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      CommandResult killed{
          -1, ReadAll(out_path) + "\n[killed after " + std::to_string(timeout_ms) + " ms]"};
      std::remove(out_path.c_str());
      return killed;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  CommandResult result{WIFEXITED(status) ? WEXITSTATUS(status) : -1, ReadAll(out_path)};
  std::remove(out_path.c_str());
  return result;
}

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& args, const std::string& cwd)
    : log_path_(TempPath()) {
  pid_ = Spawn(args, cwd, log_path_, /*merge_stdout=*/false);
}

BackgroundProcess::~BackgroundProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  std::remove(log_path_.c_str());
}

bool BackgroundProcess::WaitForLog(const std::string& needle, int timeout_ms, std::string* log) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    *log = ReadAll(log_path_);
    if (log->find(needle) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

// Never with pid -1: kill(-1, ...) signals every process we may signal.
void BackgroundProcess::Signal(int signal) {
  if (pid_ > 0) kill(pid_, signal);
}

int BackgroundProcess::StopWith(int signal, int timeout_ms) {
  if (pid_ <= 0) return -1;  // Already stopped (or never started).
  kill(pid_, signal);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return -1;
}

}  // namespace rse::testing
