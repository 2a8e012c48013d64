// ScrapeEngine's per-database fan-out: a query with databases or
// databases_query runs once per database on the scrape's replica, at most
// max_concurrent_databases at a time, each database on a session of its own
// (PostgreSQL binds a session to its database; MySQL/MariaDB move one with
// USE), and each database succeeds or fails on its own.
#include <algorithm>
#include <map>
#include <mutex>
#include <set>

#include "base/mutex.h"
#include "catalog/fan_out.h"
#include "base/clock.h"
#include "collect/scrape_engine.h"

namespace rse {
namespace {

// The databases a databases_query returns: its first column, without NULLs,
// sorted and deduplicated.
StatusOr<std::vector<std::string>> ListDatabases(const QuerySpec& query, Connection& connection,
                                                 const Deadline& deadline) {
  auto rows = connection.Query(query.fan_out->databases_query, deadline, query.name,
                               kMaxFanOutDatabases + 1);
  if (!rows.ok()) {
    return rows.status().Prefixed("databases_query: ");
  }
  if (rows->truncated || rows->rows.size() > kMaxFanOutDatabases) {
    return Status::InvalidArgument("databases_query: returned more than " +
                                   std::to_string(kMaxFanOutDatabases) + " databases");
  }
  std::set<std::string> names;
  for (const std::vector<Cell>& row : rows->rows) {
    if (row.empty() || !row[0]) continue;
    if (!IsDatabaseName(*row[0])) {
      return Status::InvalidArgument("databases_query: \"" + *row[0] +
                                     "\" is not a database name (1 to 64 bytes)");
    }
    names.insert(*row[0]);
  }
  return std::vector<std::string>(names.begin(), names.end());
}

// One database's result, before it joins the others.
struct DatabaseResult {
  DatabaseRun run;
  std::shared_ptr<QueryOutcome> outcome;  // Null when it never ran.
};

// Joins each database's result into `outcome`: its run, rows and mapping
// errors (named after the database), and the samples of those that
// succeeded, each with the database's `label`.
void MergeDatabases(const std::vector<std::string>& databases, const std::vector<DatabaseRun>& runs,
                    const std::vector<std::shared_ptr<QueryOutcome>>& outcomes,
                    const std::string& label, QueryOutcome* outcome) {
  std::map<std::string, size_t> family_at;  // Name → index in outcome->families.
  for (size_t i = 0; i < databases.size(); ++i) {
    const std::string& database = databases[i];
    outcome->databases.push_back(runs[i]);
    const std::shared_ptr<QueryOutcome>& part = outcomes[i];
    if (!part) continue;
    outcome->rows += part->rows;
    for (MappingError error : part->mapping_errors) {
      // The error that failed a database is counted with the database.
      if (!part->ok() && error.reason == part->reason) continue;
      error.message = "database \"" + database + "\": " + error.message;
      outcome->mapping_errors.push_back(std::move(error));
    }
    if (!part->ok()) continue;
    outcome->series += part->series;
    for (MetricFamily& family : part->families) {
      auto [at, fresh] = family_at.emplace(family.name, outcome->families.size());
      if (fresh) {
        outcome->families.push_back(
            {family.name, family.help, family.type, {}, {}, family.unit});
      }
      std::vector<Sample>& samples = outcome->families[at->second].samples;
      for (Sample& sample : family.samples) {
        sample.labels.insert(sample.labels.begin(), Label{label, database});
        samples.push_back(std::move(sample));
      }
    }
  }
}

}  // namespace

// The databases of one execution, shared by the threads that run them.
struct ScrapeEngine::FanOutRun {
  Mutex mu;
  CondVar finished;
  size_t next GUARDED_BY(mu) = 0;  // The next database to claim.
  size_t done GUARDED_BY(mu) = 0;  // Claimed databases that finished.
  std::vector<std::string> databases;  // Fixed before the run.
  std::vector<DatabaseRun> runs;       // Each written by the thread that claimed it.
  std::vector<std::shared_ptr<QueryOutcome>> outcomes;
};

SharedOutcome ScrapeEngine::RunFanOut(const Task& task, ScrapeSession& session,
                                      std::optional<Lease>* lease) {
  const QuerySpec& query = *task.unit->queries.front();
  const Deadline deadline = QueryDeadline(query, session.deadline());
  std::vector<std::string> databases = query.fan_out->databases;
  size_t member = 0;
  while (true) {
    if (Status ready = ReadyToRun(query, session, lease); !ready.ok()) return NotRun(task, ready);
    member = (*lease)->member();
    if (query.fan_out->databases_query.empty()) break;
    auto listed = ListDatabases(query, (*lease)->connection(), deadline);
    if (listed.ok()) {
      databases = std::move(*listed);
      break;
    }
    if (QueryErrorFor(listed.status()) != QueryError::kConnection)
      return NotRun(task, listed.status());
    // The replica failed under us: the listing, like any query, moves on.
    auto next = session.FailOver(std::move(**lease), listed.status());
    lease->reset();
    if (!next.ok()) return NotRun(task, listed.status());
    lease->emplace(std::move(*next));
  }
  // Each database takes a session of its own. Holding this one meanwhile
  // could starve them: every thread that waits for a session holds none.
  lease->reset();
  const TimePoint began = clock_->Now();
  task.execution->started_at = began;

  auto run = std::make_shared<FanOutRun>();
  run->databases = std::move(databases);
  run->runs.resize(run->databases.size());
  run->outcomes.resize(run->databases.size());
  const size_t threads =
      std::min<size_t>(run->databases.size(), static_cast<size_t>(query.fan_out->max_concurrent));
  // Helpers on the shared workers; one that starts after every database was
  // claimed returns at once, so this thread never waits for a helper that
  // has not started (it runs the databases itself meanwhile).
  for (size_t i = 1; i < threads; ++i) {
    tasks_.Run([this, run, &query, &session, member, deadline] {
      RunDatabases(*run, query, session, member, deadline);
    });
  }
  RunDatabases(*run, query, session, member, deadline);
  {
    MutexLock lock(&run->mu);
    while (run->done != run->next) run->finished.Wait(&run->mu);
  }

  auto outcome = std::make_shared<QueryOutcome>();
  outcome->finished_at = clock_->Now();
  outcome->duration_seconds = Seconds(outcome->finished_at - began);
  outcome->wait_seconds = Seconds(began - task.execution->planned_at);
  outcome->replica = session.Label(member);
  MergeDatabases(run->databases, run->runs, run->outcomes, query.fan_out->label, outcome.get());
  return outcome;
}

void ScrapeEngine::PublishDatabases(const QuerySpec& query, const QueryOutcome& outcome) {
  std::set<std::string> present;
  for (const DatabaseRun& run : outcome.databases) {
    present.insert(run.database);
    if (!run.status.ok()) stats_.CountIn(query.name, run.database, run.reason);
    // Logged when a database starts failing and when it recovers.
    const bool changed = stats_.SetFailing(query.name + '\x1f' + run.database, !run.status.ok());
    if (!changed) continue;
    if (!run.status.ok()) {
      logger_->Warn("query failed in one database", {{"query", query.name},
                                                     {"database", run.database},
                                                     {"reason", QueryErrorLabel(run.reason)},
                                                     {"err", run.status.message()}});
    } else {
      logger_->Info("query recovered in one database",
                    {{"query", query.name}, {"database", run.database}});
    }
  }
  // A database no longer listed (dropped) takes its error series with it.
  if (outcome.ok()) stats_.KeepDatabases(query.name, present);
}

void ScrapeEngine::RunDatabases(FanOutRun& run, const QuerySpec& query, ScrapeSession& session,
                                size_t member, const Deadline& deadline) {
  while (true) {
    size_t i;
    {
      MutexLock lock(&run.mu);
      if (run.next == run.databases.size()) return;
      i = run.next++;
    }
    const std::string& database = run.databases[i];
    DatabaseRun& result = run.runs[i];
    result.database = database;
    const TimePoint began = clock_->Now();
    if (!query.cache && deadline.Expired(*clock_)) {
      result.status = Status::DeadlineExceeded("not started before the deadline");
    } else if (auto taken = session.AcquireIn(member, database, deadline); !taken.ok()) {
      result.status = taken.status();
    } else {
      // Families, not exposition lines: each sample gains the database label.
      std::shared_ptr<QueryOutcome> outcome =
          runner_.Run(query, taken->connection(), deadline, /*exclusive=*/false);
      result.status = outcome->status;
      result.rows = outcome->rows;
      for (const MappingError& error : outcome->mapping_errors)
        result.duplicate_series |= error.reason == QueryError::kDuplicateSeries;
      if (!outcome->ok()) result.reason = outcome->reason;
      run.outcomes[i] = std::move(outcome);
    }
    if (!result.status.ok()) {
      if (!run.outcomes[i]) result.reason = QueryErrorFor(result.status);
      result.status = result.status.Prefixed("database \"" + database + "\": ");
    }
    result.duration_seconds = Seconds(clock_->Now() - began);
    {
      MutexLock lock(&run.mu);
      ++run.done;
    }
    run.finished.SignalAll();
  }
}

}  // namespace rse
