// The last good result of each slow (cached) query. Failures are never
// stored: a failed refresh leaves the previous result in place, and is
// remembered only as "the latest run failed". Thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "base/clock.h"
#include "base/mutex.h"
#include "collect/query_outcome.h"

namespace rse {

class ResultCache {
 public:
  explicit ResultCache(const Clock* clock) : clock_(clock) {}
  ResultCache(const ResultCache&) = delete;
  ResultCache& operator=(const ResultCache&) = delete;

  // The stored result if it is younger than `max_age`, else null.
  SharedOutcome Get(const std::string& query, std::chrono::milliseconds max_age) const;
  // Keeps `outcome` if it succeeded; of a failure, keeps only that it failed.
  void Store(const std::string& query, SharedOutcome outcome);
  // True when the latest run that ended failed (the stored result is older).
  bool LatestRunFailed(const std::string& query) const;
  // Takes over what `other` holds for `query` (a reload of an unchanged query).
  void CopyFrom(const ResultCache& other, const std::string& query);
  // Seconds since the stored result finished; nullopt when none is stored.
  std::optional<double> StoredAgeSeconds(const std::string& query) const;
  // Seconds since `outcome` finished.
  double AgeSeconds(const QueryOutcome& outcome) const;

 private:
  const Clock* const clock_;
  mutable Mutex mu_;
  std::map<std::string, SharedOutcome> results_ GUARDED_BY(mu_);
  std::map<std::string, TimePoint> failed_at_ GUARDED_BY(mu_);  // Latest failure, if newer.
};

}  // namespace rse
