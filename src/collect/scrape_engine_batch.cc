// ScrapeEngine's batches: a worker's quick queries sent together on its
// connection (see BatchPolicy, Connection::StreamBatch), so that a replica
// across a network costs the scrape about one round trip per connection.
// Each query keeps its own outcome; what a batch cannot finish goes on one
// query at a time, as RunOne() runs it.
#include <string>
#include <utility>

#include "base/clock.h"
#include "collect/scrape_engine.h"

namespace rse {
bool ScrapeEngine::Settle(const Task& task, const QueryRunner::Batched& batched,
                          ScrapeSession& session, std::optional<Lease>* lease, size_t member) {
  std::shared_ptr<QueryOutcome> outcome = batched.outcome;
  outcome->wait_seconds = Seconds(batched.started - task.execution->planned_at);
  outcome->replica = session.Label(member);
  if (outcome->reason == QueryError::kRecoveryConflict && !outcome->ok()) {
    const QuerySpec& query = *task.unit->queries.front();
    Publish(task, RetryElsewhere(task, session, member, QueryDeadline(query, session.deadline()),
                                 outcome, Retry::kRecoveryConflict));
    return false;
  }
  // As in RunOne: a connection error, or a server that answered neither
  // the statement nor its cancel, is a verdict on the replica, and the
  // query runs again where the scrape moves; a stall answered by the
  // server, once more elsewhere.
  const bool unresponsive = !outcome->ok() && (*lease) && (*lease)->connection().Unresponsive();
  if (!unresponsive && Stalled(batched.deadline, batched.started, *outcome)) {
    Publish(task,
            RetryElsewhere(task, session, member, session.deadline(), outcome, Retry::kStalled));
    return false;
  }
  if (outcome->ok() || (outcome->reason != QueryError::kConnection && !unresponsive)) {
    Publish(task, outcome);
    return false;
  }
  Status why = unresponsive ? Status::Unavailable("did not answer a statement nor its cancel: " +
                                                  outcome->status.message())
                            : outcome->status;
  auto next = session.FailOver(std::move(**lease), why);
  lease->reset();
  if (!next.ok()) {
    Publish(task, outcome);
    return false;
  }
  lease->emplace(std::move(*next));
  return true;
}

bool ScrapeEngine::Together(const Task& task) const {
  return !task.unit->snapshot && batching_.Quick(*task.unit->queries.front());
}

void ScrapeEngine::RunTogether(const std::vector<Task>& tasks, ScrapeSession& session,
                               std::optional<Lease>* lease) {
  if (Status ready = ReadyToRun(*tasks.front().unit->queries.front(), session, lease);
      !ready.ok()) {
    for (const Task& task : tasks) Publish(task, NotRun(task, ready));
    return;
  }
  const TimePoint began = clock_->Now();
  const size_t member = (*lease)->member();
  const bool stall = session.AnotherInRotation(member);
  std::vector<QueryRunner::Batched> batch;
  for (const Task& task : tasks) {
    const QuerySpec& query = *task.unit->queries.front();
    task.execution->started_at = began;
    QueryRunner::Batched& batched = batch.emplace_back();
    batched.query = &query;
    batched.deadline = DeadlineRule(query, session.deadline(), stall);
    batched.exclusive = Exclusive(query);
  }
  runner_.RunBatch(batch, (*lease)->connection());
  // To run one at a time, in order; whether each may still stall (RunOne).
  std::vector<std::pair<const Task*, bool>> again;
  for (size_t i = 0; i < tasks.size(); ++i) {
    const Task& task = tasks[i];
    if (!batch[i].ran) {  // An earlier query left the session unusable.
      again.emplace_back(&task, true);
      continue;
    }
    if (Settle(task, batch[i], session, lease, member)) again.emplace_back(&task, false);
  }
  for (const auto& [task, may_stall] : again)
    Publish(*task, RunOne(*task, session, lease, may_stall));
}

}  // namespace rse
