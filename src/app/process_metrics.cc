#include "app/process_metrics.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>

namespace rse {
namespace {

// /proc/stat's btime: the boot time, in seconds since the epoch. Read once:
// it does not change, and /proc/stat is costly to generate on every scrape.
std::optional<double> ReadBootTime() {
  std::ifstream in("/proc/stat");
  std::string key;
  while (in >> key) {
    if (key == "btime") {
      double btime = 0;
      if (in >> btime) return btime;
      return std::nullopt;
    }
    in.ignore(1 << 20, '\n');
  }
  return std::nullopt;
}

std::optional<double> BootTime() {
  static const std::optional<double> boot = ReadBootTime();
  return boot;
}

// A small /proc file in one read(): cheaper than a stream on every scrape.
std::string ReadProcFile(const char* path) {
  std::string out;
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  char buffer[1024];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof buffer)) > 0) out.append(buffer, static_cast<size_t>(n));
  close(fd);
  return out;
}

std::optional<double> OpenFds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return std::nullopt;
  double count = 0;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count - 1;  // Not the descriptor opendir itself holds.
}

MetricFamily Gauge(const char* name, const char* help, double value) {
  return {name, help, MetricType::kGauge, {{{}, value}}};
}

}  // namespace

void AppendProcessMetrics(std::vector<MetricFamily>* families) {
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  const std::string stat = ReadProcFile("/proc/self/stat");
  // Fields after the command name, which is in parentheses and may hold spaces.
  if (size_t close = stat.rfind(')'); close != std::string::npos && ticks > 0) {
    std::istringstream fields(stat.substr(close + 2));
    std::vector<std::string> f;
    for (std::string field; fields >> field;) f.push_back(field);
    // f[0] is field 3 (state): utime 14, stime 15, starttime 22, vsize 23, rss 24.
    if (f.size() > 21) {
      const double cpu = (std::stod(f[11]) + std::stod(f[12])) / ticks;
      families->push_back({"process_cpu_seconds_total",
                           "Total user and system CPU time spent in seconds.",
                           MetricType::kCounter,
                           {{{}, cpu}}});
      families->push_back(Gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                                std::stod(f[20])));
      families->push_back(Gauge("process_resident_memory_bytes",
                                "Resident memory size in bytes.", std::stod(f[21]) * page));
      if (auto boot = BootTime()) {
        families->push_back(Gauge("process_start_time_seconds",
                                  "Start time of the process since unix epoch in seconds.",
                                  *boot + std::stod(f[19]) / ticks));
      }
    }
  }
  if (auto fds = OpenFds()) {
    families->push_back(Gauge("process_open_fds", "Number of open file descriptors.", *fds));
  }
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    families->push_back(Gauge("process_max_fds", "Maximum number of open file descriptors.",
                              limit.rlim_cur == RLIM_INFINITY ? -1.0
                                                              : static_cast<double>(limit.rlim_cur)));
  }
  if (getrlimit(RLIMIT_AS, &limit) == 0) {
    families->push_back(Gauge("process_virtual_memory_max_bytes",
                              "Maximum amount of virtual memory available in bytes.",
                              limit.rlim_cur == RLIM_INFINITY ? -1.0
                                                              : static_cast<double>(limit.rlim_cur)));
  }
}

}  // namespace rse
