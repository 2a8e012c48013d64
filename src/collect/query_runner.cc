#include "collect/query_runner.h"

#include <algorithm>
#include <deque>

#include "base/memory.h"

namespace rse {
namespace {

// One row more than max_series tells "too many" without converting them all.
size_t MaxRows(const QuerySpec& query) { return static_cast<size_t>(query.max_series) + 1; }

std::shared_ptr<QueryOutcome> ShuttingDown() {
  return std::make_shared<QueryOutcome>(QueryOutcome::Failed(
      QueryError::kConnection, Status::Unavailable("the exporter is shutting down")));
}

}  // namespace

bool QueryRunner::Enter(Connection* connection) {
  MutexLock lock(&mu_);
  if (stopping_) return false;
  running_.insert(connection);
  return true;
}

void QueryRunner::Leave(Connection* connection) {
  MutexLock lock(&mu_);
  running_.erase(connection);
}

std::shared_ptr<QueryOutcome> QueryRunner::Run(const QuerySpec& query, Connection& connection,
                                               const Deadline& deadline, bool exclusive) {
  if (!Enter(&connection)) return ShuttingDown();
  const TimePoint start = clock_->Now();
  // Rows become samples as the driver hands them over; none is kept.
  RowMapper mapper(query, exclusive);
  Status streamed =
      connection.Stream(query.sql, deadline, query.name, MaxRows(query), mapper, query.settings);
  const TimePoint end = clock_->Now();
  Leave(&connection);
  return Outcome(mapper, streamed, start, end, MaxRows(query));
}

void QueryRunner::RunBatch(std::vector<Batched>& batch, Connection& connection) {
  if (!Enter(&connection)) {
    for (Batched& query : batch) {
      query.ran = true;
      query.outcome = ShuttingDown();
    }
    return;
  }
  std::deque<RowMapper> mappers;  // Not moved once made: the statements point at them.
  std::vector<BatchStatement> statements;
  for (const Batched& query : batch) {
    RowMapper& mapper = mappers.emplace_back(*query.query, query.exclusive);
    BatchStatement& statement = statements.emplace_back();
    statement.sql = query.query->sql;
    statement.name = query.query->name;
    statement.max_rows = MaxRows(*query.query);
    statement.sink = &mapper;
    statement.settings = &query.query->settings;
    statement.deadline = query.deadline;
  }
  connection.StreamBatch(statements, *clock_);
  Leave(&connection);
  for (size_t i = 0; i < batch.size(); ++i) {
    const BatchStatement& statement = statements[i];
    batch[i].ran = statement.ran;
    batch[i].started = statement.started;
    if (!statement.ran) continue;
    batch[i].outcome = Outcome(mappers[i], statement.status, statement.started,
                               statement.finished, statement.max_rows);
  }
}

std::shared_ptr<QueryOutcome> QueryRunner::Outcome(RowMapper& mapper, const Status& streamed,
                                                   TimePoint start, TimePoint end,
                                                   size_t max_rows) const {
  // The driver's copy of a big result (libmariadb keeps it in many small
  // blocks) is freed by now, but glibc keeps freed heap pages: 1M rows left
  // 78 MiB resident after the scrape. Handed back after big results only (a
  // trim walks every arena): many rows, or reading stopped at the cap, when
  // the driver may have held far more than were read.
  if (mapper.rows() >= std::min(max_rows, kTrimAfterRows)) ReturnFreedMemory();
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
