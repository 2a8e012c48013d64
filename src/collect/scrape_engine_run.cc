// ScrapeEngine's executions: how one query runs on the scrape's session
// (following it through failovers, once more elsewhere after a recovery
// conflict or a stall), and how an outcome is published to the counters, the log, the
// cache and the scrapes that wait for it.
#include <string>

#include "base/clock.h"
#include "collect/scrape_engine.h"

namespace rse {
Deadline ScrapeEngine::QueryDeadline(const QuerySpec& query, const Deadline& scrape) const {
  return DeadlineRule(query, scrape).From(clock_->Now());
}

StatementDeadline ScrapeEngine::DeadlineRule(const QuerySpec& query, const Deadline& scrape,
                                             bool stall) const {
  StatementDeadline rule;
  if (query.cache) {
    rule.timeout = query.timeout.value_or(options_.default_refresh_timeout);
    return rule;
  }
  rule.bound = scrape;
  rule.timeout = query.timeout;
  if (stall) rule.stall = stalls_.After(query);
  return rule;
}

bool ScrapeEngine::Stalled(const StatementDeadline& rule, TimePoint began,
                           const QueryOutcome& outcome) {
  return !outcome.ok() && outcome.reason == QueryError::kTimeout && rule.StallsAt(began);
}

Status ScrapeEngine::ReadyToRun(const QuerySpec& query, ScrapeSession& session,
                               std::optional<Lease>* lease) {
  if (!query.cache && session.deadline().Expired(*clock_))
    return Status::DeadlineExceeded("not started before the scrape deadline");
  // A query that left its session unusable (its own failure closed it) must
  // not hand the next query a broken session: that would be a verdict on
  // the replica. The next query gets a session of its own.
  if (*lease && !(**lease).connection().Usable()) lease->reset();
  if (*lease) return Status::Ok();
  auto more = session.AcquireMore();
  if (!more.ok()) return more.status();
  lease->emplace(std::move(*more));
  return Status::Ok();
}

std::shared_ptr<QueryOutcome> ScrapeEngine::NotRun(const Task& task, Status status) const {
  const QueryError reason = QueryErrorFor(status);
  auto outcome = std::make_shared<QueryOutcome>(QueryOutcome::Failed(reason, std::move(status)));
  outcome->finished_at = clock_->Now();
  outcome->wait_seconds = Seconds(outcome->finished_at - task.execution->planned_at);
  return outcome;
}

SharedOutcome ScrapeEngine::RunOne(const Task& task, ScrapeSession& session,
                                   std::optional<Lease>* lease, bool may_stall) {
  const QuerySpec& query = *task.unit->queries.front();
  std::shared_ptr<QueryOutcome> last;  // The latest attempt's, when a replica failed it.
  while (true) {
    // Waiting out the deadline for a busy pool is a timeout, not a fault
    // of the replica; failing to open a session is a connection error.
    if (Status ready = ReadyToRun(query, session, lease); !ready.ok())
      return last ? last : NotRun(task, ready);
    // The query's own timeout counts from when it can start: the time it took
    // to find a session (a member that did not answer) is not the query's.
    // It may stall once (StallRule), where another replica could take it.
    const size_t member = (*lease)->member();
    const StatementDeadline rule = DeadlineRule(
        query, session.deadline(), may_stall && !last && session.AnotherInRotation(member));
    const TimePoint began = clock_->Now();
    const Deadline deadline = rule.From(began);
    task.execution->started_at = began;
    std::shared_ptr<QueryOutcome> outcome =
        runner_.Run(query, (*lease)->connection(), deadline, Exclusive(query));
    outcome->wait_seconds = Seconds(began - task.execution->planned_at);
    outcome->replica = session.Label(member);
    if (outcome->reason == QueryError::kRecoveryConflict && !outcome->ok())
      return RetryElsewhere(task, session, member, deadline, outcome, Retry::kRecoveryConflict);
    if (outcome->ok()) return outcome;
    // A server that answered neither the statement nor its cancel is as
    // good as gone (a black hole, a hung server): a verdict on the member,
    // where a plain timeout is only the query's. One that answered at the
    // query's stall was only slow: the query runs once more elsewhere.
    const bool unresponsive = (*lease)->connection().Unresponsive();
    if (!unresponsive && Stalled(rule, began, *outcome))
      return RetryElsewhere(task, session, member, session.deadline(), outcome, Retry::kStalled);
    if (outcome->reason != QueryError::kConnection && !unresponsive) return outcome;
    // The replica failed under us: this and the remaining queries move on.
    Status why = unresponsive ? Status::Unavailable("did not answer a statement nor its cancel: " +
                                                    outcome->status.message())
                              : outcome->status;
    auto next = session.FailOver(std::move(**lease), why);
    lease->reset();
    if (!next.ok()) return outcome;
    lease->emplace(std::move(*next));
    last = outcome;
  }
}

SharedOutcome ScrapeEngine::RetryElsewhere(const Task& task, ScrapeSession& session, size_t member,
                                           const Deadline& deadline,
                                           std::shared_ptr<QueryOutcome> failed, Retry why) {
  const QuerySpec& query = *task.unit->queries.front();
  if (why == Retry::kRecoveryConflict) session.CountRecoveryConflict(member);
  auto other = session.RetryElsewhere(member);
  if (!other.ok()) return failed;  // Counted once, when published.
  stats_.Count(query.name, failed->reason);
  logger_->Info(why == Retry::kStalled
                    ? "query stalled: running it once more on another replica"
                    : "recovery conflict: running the query once more on another replica",
                {{"query", query.name},
                 {"from", session.Label(member)},
                 {"to", session.Label(other->member())},
                 {"err", failed->status.message()}});
  const TimePoint began = clock_->Now();
  std::shared_ptr<QueryOutcome> outcome =
      runner_.Run(query, other->connection(), deadline, Exclusive(query));
  outcome->wait_seconds = Seconds(began - task.execution->planned_at);
  outcome->replica = session.Label(other->member());
  if (!outcome->ok() && outcome->reason == QueryError::kConnection)
    session.ReportDown(other->member(), outcome->status);
  return outcome;
}

void ScrapeEngine::Publish(const Task& task, const SharedOutcome& outcome) {
  const std::vector<const QuerySpec*>& queries = task.unit->queries;
  for (size_t i = 0; i < queries.size(); ++i)
    PublishQuery(*queries[i], *task.execution, i, PartOf(outcome, i));
  flight_.Finish(task.unit->key, outcome);
  if (options_.on_published) {
    for (const QuerySpec* query : queries) options_.on_published(query->name);
  }
}

void ScrapeEngine::PublishQuery(const QuerySpec& query, SingleFlight::Execution& execution,
                                size_t part, const SharedOutcome& outcome) {
  // A scrape that gave up on this execution at its deadline counted it already.
  if (!outcome->ok() && execution.ClaimFailure(part)) stats_.Count(query.name, outcome->reason);
  stats_.CountMappingErrors(query.name, *outcome);
  if (query.fan_out) PublishDatabases(query, *outcome);
  stats_.RecordRun(query.name, *outcome);
  batching_.Record(query.name, *outcome);
  stalls_.Record(query.name, *outcome);
  // A query that keeps failing is logged when it starts and when it
  // recovers; every execution only at debug level.
  bool rejected = false;
  for (const MappingError& error : outcome->mapping_errors) rejected |= error.reason != QueryError::kNullValue;
  for (const DatabaseRun& database : outcome->databases) rejected |= !database.status.ok();
  const bool failing = !outcome->ok() || rejected;
  const bool changed = stats_.SetFailing(query.name, failing);
  if (!outcome->ok()) {
    const std::string reason = QueryErrorLabel(outcome->reason);
    if (changed) {
      logger_->Warn("query failed",
                    {{"query", query.name}, {"reason", reason}, {"err", outcome->status.message()}});
    } else {
      logger_->Debug("query failed again",
                     {{"query", query.name}, {"reason", reason}, {"err", outcome->status.message()}});
    }
  }
  for (const MappingError& error : outcome->mapping_errors) {
    if (error.reason == QueryError::kNullValue) continue;
    if (changed && outcome->ok()) {
      logger_->Warn("query result rejected", {{"query", query.name}, {"err", error.message}});
    } else {
      logger_->Debug("query result rejected", {{"query", query.name}, {"err", error.message}});
    }
  }
  if (!failing && changed) logger_->Info("query recovered", {{"query", query.name}});
  if (outcome->ok()) {
    logger_->Debug("query ran", {{"query", query.name},
                                 {"rows", std::to_string(outcome->rows)},
                                 {"duration_seconds", std::to_string(outcome->duration_seconds)},
                                 {"replica", outcome->replica}});
  }
  if (query.cache) cache_.Store(query.name, outcome);
}

}  // namespace rse
