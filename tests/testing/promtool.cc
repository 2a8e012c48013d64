#include "testing/promtool.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace rse::testing {

PromtoolResult RunPromtoolCheckMetrics(const std::string& exposition) {
  char input[] = "/tmp/rse_promtool_inXXXXXX";
  int fd = mkstemp(input);
  if (fd < 0) return {-1, "mkstemp failed"};
  close(fd);
  std::ofstream(input) << exposition;
  std::string output_path = std::string(input) + ".out";
  std::string command =
      "promtool check metrics < " + std::string(input) + " > " + output_path + " 2>&1";
  int status = std::system(command.c_str());
  std::ifstream out(output_path);
  std::stringstream text;
  text << out.rdbuf();
  std::remove(input);
  std::remove(output_path.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, text.str()};
}

}  // namespace rse::testing
