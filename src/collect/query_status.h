// What /status shows of one catalog query: its definition's essentials, its
// latest execution, its latest error and its error counts. Plain data, copied
// out of the engine so a page never holds the engine's locks while rendering.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "catalog/query_spec.h"

namespace rse {

// One database of a fan-out query's latest execution.
struct DatabaseRunStatus {
  std::string database;
  bool ok = false;
  std::string reason;   // The error reason label when !ok.
  std::string message;  // The error when !ok.
  double duration_seconds = 0;
  size_t rows = 0;
};

// The latest execution that ended (success or failure).
struct QueryRun {
  TimePoint finished_at{};
  double duration_seconds = 0;  // The statement's run.
  size_t rows = 0;
  size_t series = 0;
  std::string replica;  // "" when it never reached one.
  bool ok = false;
  std::string reason;   // The error reason label when !ok.
  std::vector<DatabaseRunStatus> databases;  // A fan-out query's, in database order.
};

// The latest failure: of an execution, a mapping that rejected a metric, or
// a scrape that gave up on the query at its deadline.
struct QueryFailure {
  TimePoint at{};
  std::string reason;
  std::string message;
};

struct QueryStatus {
  std::string name;
  std::string group;  // "" when none.
  std::string snapshot;  // The consistent snapshot it runs in; "" when none.
  std::optional<FanOut> fan_out;  // Runs once per database (see catalog/fan_out.h).
  std::string where;  // "file:line" of its [[query]].
  std::vector<MetricSpec> metrics;
  std::optional<std::chrono::milliseconds> cache;  // TTL; nullopt when not cached.
  std::chrono::milliseconds max_staleness{0};
  std::optional<double> cached_age_seconds;  // Age of the result the cache holds, if any.
  std::optional<QueryRun> last_run;
  std::optional<QueryFailure> last_error;
  std::map<std::string, uint64_t> errors;  // By reason label, every reason present.
  bool failing = false;  // Its latest execution failed or had a metric rejected.
};

}  // namespace rse
