#include "config/password_command.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

extern char** environ;

namespace rse {

bool FindExecutable(const std::string& program) {
  if (program.empty()) return false;
  if (program.find('/') != std::string::npos) return ::access(program.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  for (size_t begin = 0; begin <= dirs.size();) {
    size_t end = dirs.find(':', begin);
    if (end == std::string::npos) end = dirs.size();
    // An empty entry is the current directory. (Built without assigning a
    // literal to `dir`: GCC 12 at -O2 warns a false -Wrestrict on that.)
    const std::string candidate =
        (end > begin ? dirs.substr(begin, end - begin) : std::string(1, '.')) + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) return true;
    begin = end + 1;
  }
  return false;
}

namespace {

// Reads `fd` into `output` (its first 64 KiB) until the writer closes it:
// false when `timeout` passed first.
bool ReadUntilClosed(int fd, std::chrono::milliseconds timeout, std::string* output) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char buf[4096];
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) return true;  // Closed: the helper is done writing.
    if (output->size() < 65536) output->append(buf, static_cast<size_t>(n));
  }
}

}  // namespace

StatusOr<std::string> RunHelper(const std::vector<std::string>& argv,
                                const std::vector<std::string>& extra_env,
                                std::chrono::milliseconds timeout) {
  if (argv.empty()) return Status::InvalidArgument("password_command: empty");
  const std::string name = "password_command '" + argv[0] + "'";
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return Status::Unavailable(name + ": pipe: " + std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  std::vector<std::string> env_text;
  for (char** e = environ; *e; ++e) env_text.emplace_back(*e);
  env_text.insert(env_text.end(), extra_env.begin(), extra_env.end());
  std::vector<char*> env_ptrs, arg_ptrs;
  for (std::string& e : env_text) env_ptrs.push_back(e.data());
  env_ptrs.push_back(nullptr);
  std::vector<std::string> args = argv;
  for (std::string& a : args) arg_ptrs.push_back(a.data());
  arg_ptrs.push_back(nullptr);
  pid_t pid = -1;
  const int spawned =
      posix_spawnp(&pid, args[0].c_str(), &actions, nullptr, arg_ptrs.data(), env_ptrs.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  if (spawned != 0) {
    ::close(out[0]);
    return Status::Unavailable(name + ": cannot run: " + std::strerror(spawned));
  }
  std::string output;
  const bool timed_out = !ReadUntilClosed(out[0], timeout, &output);
  ::close(out[0]);
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out)
    return Status::Unavailable(name + ": gave no answer within " + std::to_string(timeout.count()) +
                               " ms (killed)");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    // Never its output: it may hold a secret.
    return Status::Unavailable(name + ": failed (" +
                               (WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                                  : std::string("killed by a signal")) +
                               ")");
  }
  return output;
}

StatusOr<std::string> PasswordCommand::Get(const PasswordTarget& target) {
  const std::string key = target.host + ":" + std::to_string(target.port);
  const auto now = std::chrono::steady_clock::now();
  {
    MutexLock lock(&mu_);
    auto found = cache_.find(key);
    if (found != cache_.end() && now < found->second.until) return found->second.password;
  }
  auto output = RunHelper(spec_.argv,
                          {"RSE_DB_HOST=" + target.host, "RSE_DB_PORT=" + std::to_string(target.port),
                           "RSE_DB_USER=" + target.user, "RSE_DB_NAME=" + target.database},
                          spec_.timeout);
  if (!output.ok()) return output.status();
  std::string password = output->substr(0, output->find('\n'));
  if (!password.empty() && password.back() == '\r') password.pop_back();
  if (password.empty())
    return Status::Unavailable("password_command '" + spec_.argv[0] + "': printed no password");
  if (spec_.ttl.count() > 0) {
    MutexLock lock(&mu_);
    cache_[key] = {password, now + spec_.ttl};
  }
  return password;
}

}  // namespace rse
