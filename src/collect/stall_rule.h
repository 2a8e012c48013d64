// When a query without a timeout of its own gives up on a replica that has
// stopped answering it: after kFactor times its latest successful run, at
// least kFloor, so that the scrape still has time to run it elsewhere (see
// StatementDeadline::stall). A query that never succeeded, or that has a
// timeout, a cache or a fan-out of its own, gets no stall. Thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "base/mutex.h"
#include "catalog/query_spec.h"
#include "collect/query_outcome.h"

namespace rse {

class StallRule {
 public:
  static constexpr std::chrono::milliseconds kFloor{1000};
  static constexpr int kFactor = 4;

  // How long `query` may go unanswered before it runs elsewhere, if at all.
  std::optional<std::chrono::milliseconds> After(const QuerySpec& query) const;
  // Remembers how long `query`'s latest successful run took.
  void Record(const std::string& query, const QueryOutcome& outcome);

 private:
  mutable Mutex mu_;
  std::map<std::string, double> seconds_ GUARDED_BY(mu_);  // By query: latest success.
};

}  // namespace rse
