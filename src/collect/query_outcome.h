// The result of one execution of one query: what it produced and what went wrong.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "collect/query_error.h"
#include "collect/row_mapper.h"
#include "model/exposition.h"
#include "model/metric_family.h"

namespace rse {

// One database's run of a fan-out query (see catalog/fan_out.h).
struct DatabaseRun {
  std::string database;
  Status status;  // OK, or why nothing of this database is served.
  QueryError reason = QueryError::kSql;  // Meaningful only when !status.ok().
  double duration_seconds = 0;
  size_t rows = 0;
  bool duplicate_series = false;  // A metric dropped for duplicate label sets; the rest served.
};

struct QueryOutcome {
  // OK, or why nothing of this execution is served: the backend's own Status
  // (code and message), or the mapping's.
  Status status;
  QueryError reason = QueryError::kSql;  // Meaningful only when !ok().
  std::vector<MetricFamily> families;
  // The families as rendered (and compressed), made by the first scrape that
  // serves them and reused by every later one (see model/exposition.h).
  std::shared_ptr<RenderMemo> memo = std::make_shared<RenderMemo>();
  std::vector<MappingError> mapping_errors;  // Also on success (null_value, duplicate_series).
  double duration_seconds = 0;               // The statement's run.
  double wait_seconds = 0;  // From being planned to its statement starting (worker, connection).
  size_t rows = 0;
  size_t series = 0;  // Samples served from it.
  TimePoint finished_at{};
  std::string replica;  // The member it last ran on ("" when it never ran).
  // A consistent snapshot's execution: one outcome per query, in snapshot
  // order; empty when it failed before any ran (this outcome is then every
  // query's). Each part carries the run it came from: parts of one run agree.
  std::vector<std::shared_ptr<const QueryOutcome>> parts;
  uint64_t snapshot_run = 0;
  // A fan-out query's execution: one run per database, in database order;
  // `families` holds the samples of those that succeeded, each labelled with
  // its database. Empty when the databases could not be listed (then !ok()).
  std::vector<DatabaseRun> databases;

  bool ok() const { return status.ok(); }
  static QueryOutcome Failed(QueryError reason, Status status) {
    QueryOutcome outcome;
    outcome.reason = reason;
    outcome.status = std::move(status);
    return outcome;
  }
};

using SharedOutcome = std::shared_ptr<const QueryOutcome>;

// Query number `part`'s outcome of an execution (see QueryOutcome::parts).
inline SharedOutcome PartOf(const SharedOutcome& outcome, size_t part) {
  return outcome->parts.empty() ? outcome : outcome->parts[part];
}

}  // namespace rse
