#include "collect/query_runner.h"

#include <algorithm>

#include "base/memory.h"

namespace rse {

std::shared_ptr<QueryOutcome> QueryRunner::Run(const QuerySpec& query, Connection& connection,
                                               const Deadline& deadline, bool exclusive) {
  {
    MutexLock lock(&mu_);
    if (stopping_) {
      return std::make_shared<QueryOutcome>(QueryOutcome::Failed(
          QueryError::kConnection, Status::Unavailable("the exporter is shutting down")));
    }
    running_.insert(&connection);
  }
  const TimePoint start = clock_->Now();
  // One row more than max_series tells "too many" without converting them all.
  const size_t max_rows = static_cast<size_t>(query.max_series) + 1;
  // Rows become samples as the driver hands them over; none is kept.
  RowMapper mapper(query, exclusive);
  Status streamed = connection.Stream(query.sql, deadline, query.name, max_rows, mapper, query.settings);
  const TimePoint end = clock_->Now();
  // The driver's copy of a big result (libmariadb keeps it in many small
  // blocks) is freed by now, but glibc keeps freed heap pages: 1M rows left
  // 78 MiB resident after the scrape. Handed back after big results only (a
  // trim walks every arena): many rows, or reading stopped at the cap, when
  // the driver may have held far more than were read.
  if (mapper.rows() >= std::min(max_rows, kTrimAfterRows)) ReturnFreedMemory();
  {
    MutexLock lock(&mu_);
    running_.erase(&connection);
  }
  auto outcome = std::make_shared<QueryOutcome>();
  outcome->finished_at = end;
  outcome->duration_seconds = std::chrono::duration<double>(end - start).count();
  if (!streamed.ok()) {
    outcome->reason = QueryErrorFor(streamed);
    outcome->status = streamed;
    return outcome;
  }
  MappedQuery mapped = mapper.Finish();
  outcome->rows = mapper.rows();
  outcome->series = mapped.series;

  outcome->families = std::move(mapped.families);
  outcome->mapping_errors = std::move(mapped.errors);
  if (mapped.failed) {
    // The last mapping error is the one that dropped the query's samples.
    outcome->reason = outcome->mapping_errors.back().reason;
    outcome->status = Status::InvalidArgument(outcome->mapping_errors.back().message);
  }
  return outcome;
}

void QueryRunner::Shutdown() {
  MutexLock lock(&mu_);
  stopping_ = true;
  for (Connection* connection : running_) connection->Cancel();
}

}  // namespace rse
