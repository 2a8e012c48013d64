// Counters that outlive scrapes: replica_sql_query_errors_total{query,reason},
// kept for every query and every reason so the series are always present.
// Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/mutex.h"
#include "catalog/query_spec.h"
#include "collect/query_error.h"
#include "collect/query_outcome.h"
#include "collect/query_status.h"

namespace rse {

class QueryStats {
 public:
  explicit QueryStats(const std::vector<QuerySpec>& queries);

  // Counts the mapping problems of one execution (null_value, ...), except
  // the one that failed it: the caller counts a failure once, with Count().
  void CountMappingErrors(const std::string& query, const QueryOutcome& outcome);
  void Count(const std::string& query, QueryError reason, uint64_t n = 1);
  // A fan-out query's database failed (replica_sql_query_errors_total{query,
  // reason,database}; the series appear with a database's first error).
  void CountIn(const std::string& query, const std::string& database, QueryError reason);
  // Drops the per-database counts of the fan-out query's databases not in
  // `databases` (dropped, or no longer listed): their series go with them.
  void KeepDatabases(const std::string& query, const std::set<std::string>& databases);

  // Records whether `query`'s latest execution failed; true when that differs
  // from the one before (so a failing query is logged once, not per scrape).
  bool SetFailing(const std::string& query, bool failing);

  // Remembers `outcome` as the query's latest execution (and, if it failed or
  // a metric was rejected, as its latest error) for /status.
  void RecordRun(const std::string& query, const QueryOutcome& outcome);
  // A failure no execution reports (a scrape gave up on the query at its deadline).
  void RecordFailure(const std::string& query, QueryFailure failure);
  // Fills `status`'s last run, last error, error counts and failing flag.
  void Describe(const std::string& query, QueryStatus* status) const;

  // Takes over `other`'s counts for `query` (a reload of an unchanged query).
  void CopyFrom(const QueryStats& other, const std::string& query);

  // One family, every (query, reason) pair.
  MetricFamily ErrorsFamily() const;
  // The same, for the queries in `only`.
  MetricFamily ErrorsFamily(const std::set<std::string>& only) const;

 private:
  mutable Mutex mu_;
  std::map<std::string, std::map<std::string, uint64_t>> errors_ GUARDED_BY(mu_);  // By label.
  // Query → database → reason label → count.
  std::map<std::string, std::map<std::string, std::map<std::string, uint64_t>>> database_errors_ GUARDED_BY(mu_);
  std::map<std::string, bool> failing_ GUARDED_BY(mu_);
  std::map<std::string, QueryRun> last_run_ GUARDED_BY(mu_);
  std::map<std::string, QueryFailure> last_error_ GUARDED_BY(mu_);
};

}  // namespace rse
