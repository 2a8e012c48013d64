// Counters that outlive scrapes: replica_sql_query_errors_total{query,reason},
// kept for every query and every reason so the series are always present.
// Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "catalog/query_spec.h"
#include "collect/query_error.h"
#include "collect/query_outcome.h"

namespace rse {

class QueryStats {
 public:
  explicit QueryStats(const std::vector<QuerySpec>& queries);

  // Counts the mapping problems of one execution (null_value, ...), except
  // the one that failed it: the caller counts a failure once, with Count().
  void CountMappingErrors(const std::string& query, const QueryOutcome& outcome);
  void Count(const std::string& query, QueryError reason, uint64_t n = 1);

  // One family, every (query, reason) pair.
  MetricFamily ErrorsFamily() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::map<std::string, uint64_t>> errors_;  // Guarded by mu_. By label.
};

}  // namespace rse
