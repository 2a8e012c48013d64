#include "collect/stall_rule.h"

#include <algorithm>
#include <cmath>

namespace rse {

std::optional<std::chrono::milliseconds> StallRule::After(const QuerySpec& query) const {
  if (query.timeout || query.cache || query.fan_out) return std::nullopt;
  double seconds = 0;
  {
    MutexLock lock(&mu_);
    auto it = seconds_.find(query.name);
    if (it == seconds_.end()) return std::nullopt;  // How long it takes is not known yet.
    seconds = it->second;
  }
  const auto usual = std::chrono::milliseconds(static_cast<int64_t>(std::ceil(seconds * 1000)));
  return std::max(kFloor, kFactor * usual);
}

void StallRule::Record(const std::string& query, const QueryOutcome& outcome) {
  if (!outcome.ok()) return;
  MutexLock lock(&mu_);
  seconds_[query] = outcome.duration_seconds;
}

}  // namespace rse
