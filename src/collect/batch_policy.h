// Which of a scrape's queries a worker sends together on its connection (see
// Connection::StreamBatch), and how many at a time. Only quick ones: a query
// whose latest run succeeded within kQuickSeconds (or that never ran) and is
// one plain statement. A slow or failing query runs alone, so it never holds
// up the others behind it nor costs them a second round trip. Thread-safe.
#pragma once

#include <map>
#include <string>

#include "base/mutex.h"
#include "catalog/query_spec.h"
#include "collect/query_outcome.h"

namespace rse {

class BatchPolicy {
 public:
  // A run this long (its server time, and one round trip when it ran first
  // or alone) still counts as quick.
  static constexpr double kQuickSeconds = 0.25;
  // At most this many statements in one message.
  static constexpr size_t kMaxBatch = 32;

  // Whether `query` may share a batch, judged by its SQL and latest run.
  bool Quick(const QuerySpec& query) const;
  // Remembers how `query`'s latest run went.
  void Record(const std::string& query, const QueryOutcome& outcome);
  // How many of `quick` queries one of `workers` takes at a time: an even
  // share, so that every connection gets one batch, at most kMaxBatch.
  static size_t Share(size_t quick, size_t workers);

 private:
  mutable Mutex mu_;
  std::map<std::string, bool> quick_ GUARDED_BY(mu_);  // By query; absent: never ran.
};

}  // namespace rse
