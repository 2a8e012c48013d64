// Runs `promtool check metrics` on an exposition, as Prometheus' own lint.
#pragma once

#include <string>

namespace rse::testing {

struct PromtoolResult {
  int exit_code = -1;  // 127 when promtool is not installed: a failure, not a skip.
  std::string output;
};

PromtoolResult RunPromtoolCheckMetrics(const std::string& exposition);

}  // namespace rse::testing
