// ScrapeEngine's consistent snapshots: how the catalog's queries form units,
// and how a snapshot's queries run on one session in one transaction.
#include <algorithm>
#include <atomic>
#include <map>
#include <optional>

#include "base/clock.h"
#include "collect/scrape_engine.h"

namespace rse {
namespace {

// Process-wide, so that results adopted from the engine before a reload never
// share a number with a run of this one.
std::atomic<uint64_t> snapshot_runs{0};

// The outcome of a snapshot's query that could not run: the session ended
// with the failure of query `name` (`cause`), for the same reason.
std::shared_ptr<QueryOutcome> EndedBy(const std::string& name, const QueryOutcome& cause,
                                      TimePoint now) {
  std::string message = "not run: the snapshot's session ended with the failure of query '" +
                        name + "': " + cause.status.message();
  auto part = std::make_shared<QueryOutcome>(QueryOutcome::Failed(
      cause.reason, cause.reason == QueryError::kTimeout
                        ? Status::DeadlineExceeded(std::move(message))
                        : Status::InvalidArgument(std::move(message))));
  part->finished_at = now;
  return part;
}

}  // namespace

std::vector<ScrapeEngine::Unit> ScrapeEngine::PlanUnits(const std::vector<QuerySpec>& queries) {
  std::vector<Unit> units;
  std::map<std::string, size_t> snapshots;  // Name → its unit.
  for (const QuerySpec& query : queries) {
    if (query.snapshot.empty()) {
      units.push_back({query.name, {&query}, false});
      continue;
    }
    auto [it, fresh] = snapshots.emplace(query.snapshot, units.size());
    if (fresh) units.push_back({"snapshot:" + query.snapshot, {}, true});
    units[it->second].queries.push_back(&query);
  }
  for (Unit& unit : units) {
    std::stable_sort(unit.queries.begin(), unit.queries.end(),
                     [](const QuerySpec* a, const QuerySpec* b) {
                       return a->snapshot_position < b->snapshot_position;
                     });
  }
  return units;
}

std::vector<SharedOutcome> ScrapeEngine::Cached(const Unit& unit,
                                                std::chrono::milliseconds max_age) const {
  std::vector<SharedOutcome> cached;
  for (const QuerySpec* query : unit.queries) {
    SharedOutcome outcome = cache_.Get(query->name, max_age);
    if (!outcome) return {};
    if (!cached.empty() && outcome->snapshot_run != cached.front()->snapshot_run) return {};
    cached.push_back(std::move(outcome));
  }
  return cached;
}

SharedOutcome ScrapeEngine::RunSnapshot(const Task& task, ScrapeSession& session,
                                        std::optional<Lease>* lease) {
  const Unit& unit = *task.unit;
  const QuerySpec& first = *unit.queries.front();  // Its timeout and cache are everyone's.
  const Deadline deadline = QueryDeadline(first, session.deadline());
  while (true) {
    if (Status ready = ReadyToRun(first, session, lease); !ready.ok()) return NotRun(task, ready);
    Connection& connection = (*lease)->connection();
    const size_t member = (*lease)->member();
    const TimePoint began = clock_->Now();
    task.execution->started_at = began;
    Status lost;  // The replica failed under the snapshot.
    auto bundle = std::make_shared<QueryOutcome>();
    if (Status opened = connection.BeginSnapshot(deadline); !opened.ok()) {
      if (QueryErrorFor(opened) != QueryError::kConnection)
        return NotRun(task, opened);
      lost = opened;
    } else {
      const uint64_t run = ++snapshot_runs;
      // The part whose failure closed the session (its deadline): the rest
      // cannot run, and fail for the same reason.
      std::optional<size_t> ended;
      for (const QuerySpec* query : unit.queries) {
        std::shared_ptr<QueryOutcome> part;
        if (ended) {
          part = EndedBy(unit.queries[*ended]->name, *bundle->parts[*ended], clock_->Now());
        } else {
          part = runner_.Run(*query, connection, deadline, Exclusive(*query));
          if (!part->ok() && part->reason == QueryError::kRecoveryConflict)
            session.CountRecoveryConflict(member);
        }
        part->wait_seconds = Seconds(began - task.execution->planned_at);
        part->replica = session.Label(member);
        part->snapshot_run = run;
        if (!ended && !part->ok() && !connection.Usable()) {
          if (part->reason == QueryError::kConnection) {
            lost = part->status;
            break;
          }
          ended = bundle->parts.size();
        }
        bundle->parts.push_back(std::move(part));
      }
      connection.EndSnapshot();
      if (lost.ok()) {
        bundle->finished_at = clock_->Now();
        bundle->replica = session.Label(member);
        return bundle;
      }
    }
    auto next = session.FailOver(std::move(**lease), lost);
    lease->reset();
    if (!next.ok()) return NotRun(task, lost);
    lease->emplace(std::move(*next));
  }
}

}  // namespace rse
