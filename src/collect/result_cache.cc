#include "collect/result_cache.h"

namespace rse {

SharedOutcome ResultCache::Get(const std::string& query, std::chrono::milliseconds max_age) const {
  MutexLock lock(&mu_);
  auto it = results_.find(query);
  if (it == results_.end()) return nullptr;
  if (clock_->Now() - it->second->finished_at >= max_age) return nullptr;
  return it->second;
}

void ResultCache::Store(const std::string& query, SharedOutcome outcome) {
  if (!outcome) return;
  MutexLock lock(&mu_);
  if (!outcome->ok()) {
    failed_at_[query] = outcome->finished_at;
    return;
  }
  if (auto failed = failed_at_.find(query);
      failed != failed_at_.end() && failed->second <= outcome->finished_at) {
    failed_at_.erase(failed);
  }
  SharedOutcome& slot = results_[query];
  // A slower, older refresh must not replace a newer result.
  if (!slot || slot->finished_at <= outcome->finished_at) slot = std::move(outcome);
}

bool ResultCache::LatestRunFailed(const std::string& query) const {
  MutexLock lock(&mu_);
  return failed_at_.count(query) > 0;
}

void ResultCache::CopyFrom(const ResultCache& other, const std::string& query) {
  MutexLockPair lock(&mu_, &other.mu_);
  if (auto it = other.results_.find(query); it != other.results_.end()) results_[query] = it->second;
  if (auto it = other.failed_at_.find(query); it != other.failed_at_.end())
    failed_at_[query] = it->second;
}

std::optional<double> ResultCache::StoredAgeSeconds(const std::string& query) const {
  SharedOutcome stored;
  {
    MutexLock lock(&mu_);
    auto it = results_.find(query);
    if (it == results_.end() || !it->second) return std::nullopt;
    stored = it->second;
  }
  return AgeSeconds(*stored);
}

double ResultCache::AgeSeconds(const QueryOutcome& outcome) const {
  return std::chrono::duration<double>(clock_->Now() - outcome.finished_at).count();
}

}  // namespace rse
