#include "collect/scrape_engine.h"

#include <algorithm>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>

#include "collect/self_metrics.h"

namespace rse {

// The queries one scrape leads, and the session they run in.
struct ScrapeEngine::Batch {
  Batch(ReplicaPool* pool, Deadline deadline, Logger* logger) : session(pool, deadline, logger) {}
  std::optional<Task> Pop() {
    std::lock_guard<std::mutex> lock(mu);
    if (queue.empty()) return std::nullopt;
    Task task = queue.front();
    queue.pop_front();
    return task;
  }

  ScrapeSession session;
  std::mutex mu;
  std::deque<Task> queue;  // Guarded by mu (filled before workers start).
  size_t led = 0;          // Executions this scrape leads (the queue's size before work).
};

ScrapeEngine::ScrapeEngine(std::vector<QuerySpec> queries, ScrapeEngineOptions options,
                           ReplicaPool* pool, const Clock* clock, Logger* logger)
    : queries_(std::move(queries)),
      options_(options),
      pool_(pool),
      clock_(clock),
      logger_(logger),
      cache_(clock),
      stats_(queries_),
      runner_(clock),
      tasks_(static_cast<size_t>(std::max(1, options.workers))) {
  std::map<std::string, int> producers;
  for (const QuerySpec& query : queries_)
    for (const MetricSpec& metric : query.metrics) ++producers[metric.name];
  for (const QuerySpec& query : queries_) {
    for (const MetricSpec& metric : query.metrics)
      if (producers[metric.name] > 1) shared_queries_.insert(query.name);
  }
  units_ = PlanUnits(queries_);
}

ScrapeEngine::~ScrapeEngine() { runner_.Shutdown(); }

std::vector<std::string> ScrapeEngine::AdoptFrom(const ScrapeEngine& previous) {
  std::vector<std::string> adopted;
  for (const QuerySpec& query : queries_) {
    for (const QuerySpec& old : previous.queries_) {
      if (old.name != query.name || !SameDefinition(old, query)) continue;
      cache_.CopyFrom(previous.cache_, query.name);
      stats_.CopyFrom(previous.stats_, query.name);
      adopted.push_back(query.name);
    }
  }
  last_up_ = previous.last_up_.load();
  return adopted;
}

bool ScrapeEngine::Exclusive(const QuerySpec& query) const {
  return !shared_queries_.count(query.name);
}

Deadline ScrapeEngine::QueryDeadline(const QuerySpec& query, const Deadline& scrape) const {
  const TimePoint now = clock_->Now();
  if (query.cache) return Deadline(now + query.timeout.value_or(options_.default_refresh_timeout));
  if (query.timeout) return scrape.Min(Deadline(now + *query.timeout));
  return scrape;
}

namespace {

double Seconds(TimePoint::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

Status ScrapeEngine::EnsureLease(ScrapeSession& session, std::optional<Lease>* lease) {
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

SharedOutcome ScrapeEngine::RunOne(const Task& task, ScrapeSession& session,
                                   std::optional<Lease>* lease) {
  const QuerySpec& query = *task.unit->queries.front();
  const Deadline deadline = QueryDeadline(query, session.deadline());
  auto failed = [&](QueryError reason, Status status) {
    auto outcome = std::make_shared<QueryOutcome>(QueryOutcome::Failed(reason, std::move(status)));
    outcome->finished_at = clock_->Now();
    outcome->wait_seconds = Seconds(outcome->finished_at - task.execution->planned_at);
    return outcome;
  };
  while (true) {
    if (!query.cache && session.deadline().Expired(*clock_)) {
      return failed(QueryError::kTimeout,
                    Status::DeadlineExceeded("not started before the scrape deadline"));
    }
    // Waiting out the deadline for a busy pool is a timeout, not a fault
    // of the replica; failing to open a session is a connection error.
    if (Status leased = EnsureLease(session, lease); !leased.ok())
      return failed(QueryErrorFor(leased), leased);
    const TimePoint began = clock_->Now();
    task.execution->started_at = began;
    std::shared_ptr<QueryOutcome> outcome =
        runner_.Run(query, (*lease)->connection(), deadline, Exclusive(query));
    outcome->wait_seconds = Seconds(began - task.execution->planned_at);
    outcome->replica = pool_->label((*lease)->member());
    if (outcome->reason == QueryError::kRecoveryConflict && !outcome->ok())
      return RetryElsewhere(task, session, (*lease)->member(), deadline, outcome);
    if (outcome->ok() || outcome->reason != QueryError::kConnection) return outcome;
    // The replica failed under us: this and the remaining queries move on.
    auto next = session.FailOver(std::move(**lease), outcome->status);
    lease->reset();
    if (!next.ok()) return outcome;
    lease->emplace(std::move(*next));
  }
}

SharedOutcome ScrapeEngine::RetryElsewhere(const Task& task, ScrapeSession& session, size_t member,
                                           const Deadline& deadline,
                                           std::shared_ptr<QueryOutcome> conflict) {
  const QuerySpec& query = *task.unit->queries.front();
  pool_->CountRecoveryConflict(member);
  auto other = session.RetryElsewhere(member);
  if (!other.ok()) return conflict;  // Counted once, when published.
  stats_.Count(query.name, QueryError::kRecoveryConflict);
  logger_->Info("recovery conflict: running the query once more on another replica",
                {{"query", query.name},
                 {"from", pool_->label(member)},
                 {"to", pool_->label(other->member())},
                 {"err", conflict->status.message()}});
  const TimePoint began = clock_->Now();
  std::shared_ptr<QueryOutcome> outcome =
      runner_.Run(query, other->connection(), deadline, Exclusive(query));
  outcome->wait_seconds = Seconds(began - task.execution->planned_at);
  outcome->replica = pool_->label(other->member());
  if (!outcome->ok() && outcome->reason == QueryError::kConnection)
    pool_->MarkDown(other->member(), outcome->status);
  return outcome;
}

void ScrapeEngine::Work(std::shared_ptr<Batch> batch, std::optional<Lease> lease) {
  while (std::optional<Task> task = batch->Pop()) {
    Publish(*task, task->unit->snapshot ? RunSnapshot(*task, batch->session, &lease)
                                        : RunOne(*task, batch->session, &lease));
  }
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
  stats_.RecordRun(query.name, *outcome);
  // A query that keeps failing is logged when it starts and when it
  // recovers; every execution only at debug level.
  bool rejected = false;
  for (const MappingError& error : outcome->mapping_errors) rejected |= error.reason != QueryError::kNullValue;
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

void ScrapeEngine::Cut(QueryPlan& plan) {
  const SingleFlight::Execution& execution = *plan.execution;
  const TimePoint now = clock_->Now();
  const TimePoint started = execution.started_at.load();
  const bool ran = started != TimePoint{};
  plan.cut = true;
  plan.cut_wait_seconds = Seconds((ran ? started : now) - execution.planned_at);
  plan.cut_run_seconds = ran ? Seconds(now - started) : 0;
  if (plan.execution->ClaimFailure(plan.part)) {
    stats_.Count(plan.query->name, QueryError::kTimeout);
    char message[160];
    std::snprintf(message, sizeof message,
                  "not finished at the scrape's deadline (%.3f s waiting for a worker or a "
                  "connection, %.3f s running)",
                  plan.cut_wait_seconds, plan.cut_run_seconds);
    stats_.RecordFailure(plan.query->name, {now, QueryErrorLabel(QueryError::kTimeout), message});
  }
}

std::vector<std::string> ScrapeEngine::Groups() const {
  std::set<std::string> groups;
  for (const QuerySpec& query : queries_)
    if (!query.group.empty()) groups.insert(query.group);
  return {groups.begin(), groups.end()};
}

Exposition ScrapeEngine::Scrape(std::chrono::milliseconds budget,
                                const std::vector<std::string>& groups) {
  const TimePoint start = clock_->Now();
  auto selected = [&](const QuerySpec& query) {
    if (groups.empty()) return query.group.empty();
    return std::find(groups.begin(), groups.end(), query.group) != groups.end();
  };
  std::set<std::string> scope;  // The queries of this scrape, for the self-metrics.
  for (const QuerySpec& query : queries_)
    if (selected(query)) scope.insert(query.name);
  auto batch = std::make_shared<Batch>(pool_, Deadline(start + budget), logger_);
  const Deadline& deadline = batch->session.deadline();

  // The executions this scrape leads stay joinable until it returns, even
  // those already finished (see SingleFlight): a scrape that starts meanwhile
  // shares them instead of running them again.
  struct Retire {
    SingleFlight* flight;
    std::vector<std::pair<const std::string*, std::shared_ptr<SingleFlight::Execution>>> led;
    ~Retire() {
      for (const auto& [name, execution] : led) flight->Retire(*name, execution);
    }
  } retire{&flight_, {}};

  // First what needs no replica of this scrape's own: cached results, and
  // executions other scrapes already run (joined, not repeated).
  // A snapshot's queries are planned together: cached, run or joined as one.
  std::vector<QueryPlan> plans;
  for (const Unit& unit : units_) {
    const QuerySpec& first = *unit.queries.front();
    if (!scope.count(first.name)) continue;  // A snapshot's queries share their group.
    const size_t at = plans.size();
    for (const QuerySpec* query : unit.queries) plans.emplace_back().query = query;
    std::vector<SharedOutcome> stale;
    if (first.cache) {
      std::vector<SharedOutcome> fresh = Cached(unit, *first.cache);
      for (size_t i = 0; i < fresh.size(); ++i) plans[at + i].fresh = std::move(fresh[i]);
      if (!fresh.empty()) continue;
      // Past `cache` but within max_staleness: served at once, while one
      // refresh runs in the background. Only a query with nothing usable waits.
      stale = Cached(unit, first.max_staleness);
    }
    SingleFlight::Ticket ticket = flight_.Begin(unit.key, start);
    if (ticket.leader) {
      batch->queue.push_back({&unit, ticket.execution});
      retire.led.emplace_back(&unit.key, ticket.execution);
    } else if (options_.on_joined) {
      for (const QuerySpec* query : unit.queries) options_.on_joined(query->name);
    }
    for (size_t i = 0; i < unit.queries.size(); ++i) {
      QueryPlan& plan = plans[at + i];
      plan.part = i;
      if (!stale.empty())
        plan.fresh = std::move(stale[i]);
      else
        plan.execution = ticket.execution;
    }
  }

  batch->led = batch->queue.size();
  // Then a replica, only if this scrape leads something: probed, and held
  // only by the workers while they have queries to run.
  bool up;
  if (!batch->queue.empty()) {
    auto lease = batch->session.Open();
    up = lease.ok();
    // Said once per change, not on every scrape; each member's reason is logged by the pool.
    if (up != last_up_.exchange(up)) {
      if (up)
        logger_->Info("a healthy replica serves scrapes again");
      else
        logger_->Warn("no healthy replica: scrapes serve only the exporter's own metrics",
                      {{"err", lease.status().message()}});
    }
    if (up) {
      size_t workers = std::min<size_t>(batch->queue.size(),
                                        static_cast<size_t>(options_.max_concurrent_queries));
      tasks_.Run([this, batch, first = std::make_shared<Lease>(std::move(*lease))]() mutable {
        Work(batch, std::move(*first));
      });
      for (size_t i = 1; i < workers; ++i) tasks_.Run([this, batch] { Work(batch, std::nullopt); });
    } else {
      // Scrapes that joined these executions learn it from the same outcome.
      while (std::optional<Task> task = batch->Pop()) {
        auto failed = std::make_shared<QueryOutcome>(
            QueryOutcome::Failed(QueryError::kConnection, lease.status()));
        failed->finished_at = clock_->Now();
        Publish(*task, failed);
      }
    }
  } else {
    // Nothing to run here: no database touched. Up means what the pool last
    // knew: a replica in the rotation (see docs/metrics.md, "replica_sql_up").
    up = pool_->AnyInRotation();
  }

  // Awaited last first: the workers run the queue in order, so by the time the
  // last execution is done the others mostly are, and this thread is woken
  // once per scrape rather than once per query.
  for (auto it = plans.rbegin(); it != plans.rend(); ++it) {
    QueryPlan& plan = *it;
    if (!plan.execution) continue;
    const std::shared_future<SharedOutcome>& result = plan.execution->result;
    if (result.wait_for(deadline.Remaining(*clock_)) == std::future_status::ready)
      plan.result = PartOf(result.get(), plan.part);
    else if (!plan.query->cache)
      Cut(plan);  // A cached query's refresh goes on; the last good result is served.
  }
  const std::optional<ScrapeSession::Serving> serving = batch->session.serving();
  ScrapeAssembly assembly{&cache_, &stats_, serving && serving->mixed, &shared_queries_};
  Exposition exposition = assembly.Assemble(plans);
  AppendSelfMetrics(up, std::chrono::duration<double>(clock_->Now() - start).count(),
                    pool_->Snapshot(), stats_, scope, &exposition.families);
  AppendServingFamilies(serving ? std::optional<std::string>(serving->replica) : std::nullopt,
                        serving ? serving->lag_seconds : std::nullopt, &exposition.families);
  if (logger_->Enabled(LogLevel::kDebug)) {
    size_t cached = 0, waited = 0, cut = 0;
    for (const QueryPlan& plan : plans) {
      if (plan.cut) ++cut;
      (plan.execution ? waited : cached) += 1;
    }
    logger_->Debug("scrape", {{"duration_seconds",
                               std::to_string(std::chrono::duration<double>(clock_->Now() - start).count())},
                              {"up", up ? "1" : "0"},
                              {"replica", serving ? serving->replica : ""},
                              {"executions_led", std::to_string(batch->led)},
                              {"queries_awaited", std::to_string(waited)},
                              {"queries_from_cache", std::to_string(cached)},
                              {"queries_cut", std::to_string(cut)}});
  }
  return exposition;
}

}  // namespace rse
