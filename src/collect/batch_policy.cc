#include "collect/batch_policy.h"

#include <algorithm>

#include "db/statement_batch.h"

namespace rse {

bool BatchPolicy::Quick(const QuerySpec& query) const {
  if (query.fan_out || !Batchable(query.sql)) return false;
  MutexLock lock(&mu_);
  auto it = quick_.find(query.name);
  return it == quick_.end() || it->second;
}

void BatchPolicy::Record(const std::string& query, const QueryOutcome& outcome) {
  const bool quick = outcome.ok() && outcome.duration_seconds <= kQuickSeconds;
  MutexLock lock(&mu_);
  quick_[query] = quick;
}

size_t BatchPolicy::Share(size_t quick, size_t workers) {
  workers = std::max<size_t>(1, workers);
  return std::clamp<size_t>((quick + workers - 1) / workers, 1, kMaxBatch);
}

}  // namespace rse
