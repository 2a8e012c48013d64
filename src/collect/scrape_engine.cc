#include "collect/scrape_engine.h"

#include <algorithm>
#include <cstdio>
#include <deque>
#include <map>

#include "base/clock.h"
#include "base/mutex.h"
#include "collect/self_metrics.h"

namespace rse {

// The queries one scrape leads, and the session they run in.
struct ScrapeEngine::Batch {
  Batch(ReplicaPool* pool, Deadline deadline, Logger* logger) : session(pool, deadline, logger) {}
  std::optional<Task> Pop() {
    MutexLock lock(&mu);
    if (queue.empty()) return std::nullopt;
    Task task = queue.front();
    queue.pop_front();
    return task;
  }
  void Push(Task task) {
    MutexLock lock(&mu);
    queue.push_back(task);
  }
  size_t Size() {
    MutexLock lock(&mu);
    return queue.size();
  }
  // Moves up to `n` more tasks that `fits` from the queue (in order) to `out`.
  template <typename Fits>
  void PopMore(size_t n, const Fits& fits, std::vector<Task>* out) {
    MutexLock lock(&mu);
    for (auto it = queue.begin(); it != queue.end() && n > 0;) {
      if (!fits(*it)) {
        ++it;
        continue;
      }
      out->push_back(*it);
      it = queue.erase(it);
      --n;
    }
  }

  ScrapeSession session;
  Mutex mu;
  std::deque<Task> queue GUARDED_BY(mu);
  size_t led = 0;          // Executions this scrape leads (the queue's size before work).
  size_t share = 1;        // How many quick queries a worker takes at a time (BatchPolicy).
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
      tasks_(static_cast<size_t>(std::max(1, options.workers)),
             static_cast<size_t>(std::max(1, options.workers)), std::chrono::seconds(30),
             "rse-query") {
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

void ScrapeEngine::Work(std::shared_ptr<Batch> batch, std::optional<Lease> lease) {
  while (std::optional<Task> task = batch->Pop()) {
    if (batch->share > 1 && Together(*task)) {
      std::vector<Task> tasks = {*task};
      batch->PopMore(batch->share - 1, [this](const Task& t) { return Together(t); }, &tasks);
      if (tasks.size() > 1) {
        RunTogether(tasks, batch->session, &lease);
        continue;
      }
    }
    const Unit& unit = *task->unit;
    Publish(*task, unit.snapshot                   ? RunSnapshot(*task, batch->session, &lease)
                   : unit.queries.front()->fan_out ? RunFanOut(*task, batch->session, &lease)
                                                   : RunOne(*task, batch->session, &lease));
  }
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

// The executions a scrape leads stay joinable until it returns, even those
// already finished (see SingleFlight): a scrape that starts meanwhile shares
// them instead of running them again.
struct ScrapeEngine::Retire {
  SingleFlight* flight;
  std::vector<std::pair<const std::string*, std::shared_ptr<SingleFlight::Execution>>> led;
  ~Retire() {
    for (const auto& [key, execution] : led) flight->Retire(*key, execution);
  }
};

Exposition ScrapeEngine::Scrape(std::chrono::milliseconds budget,
                                const std::vector<std::string>& groups) {
  const TimePoint start = clock_->Now();
  std::set<std::string> scope;  // The queries of this scrape, for the self-metrics.
  for (const QuerySpec& query : queries_) {
    const bool selected = groups.empty() ? query.group.empty()
                                         : std::find(groups.begin(), groups.end(), query.group) !=
                                               groups.end();
    if (selected) scope.insert(query.name);
  }
  auto batch = std::make_shared<Batch>(pool_, Deadline(start + budget), logger_);
  Retire retire{&flight_, {}};
  std::vector<QueryPlan> plans = Plan(scope, start, *batch, &retire);
  const bool up = Dispatch(batch);
  Await(plans, batch->session.deadline());
  return Assemble(plans, *batch, up, start, scope);
}

std::vector<QueryPlan> ScrapeEngine::Plan(const std::set<std::string>& scope, TimePoint start,
                                          Batch& batch, Retire* retire) {
  // First what needs no replica of this scrape's own: cached results, and
  // executions other scrapes already run (joined, not repeated). A
  // snapshot's queries are planned together: cached, run or joined as one.
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
      batch.Push({&unit, ticket.execution});
      retire->led.emplace_back(&unit.key, ticket.execution);
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
  batch.led = batch.Size();
  return plans;
}

bool ScrapeEngine::Dispatch(const std::shared_ptr<Batch>& batch) {
  // Nothing to run here: no database touched. Up means what the pool last
  // knew: a replica in the rotation (see docs/metrics.md, "replica_sql_up").
  if (batch->Size() == 0) return batch->session.AnyInRotation();
  // A replica only when this scrape leads something: probed, and held only
  // by the workers while they have queries to run.
  auto lease = batch->session.Open();
  const bool up = lease.ok();
  // Said once per change, not on every scrape; each member's reason is logged by the pool.
  if (up != last_up_.exchange(up)) {
    if (up)
      logger_->Info("a healthy replica serves scrapes again");
    else
      logger_->Warn("no healthy replica: scrapes serve only the exporter's own metrics",
                    {{"err", lease.status().message()}});
  }
  if (!up) {
    // Scrapes that joined these executions learn it from the same outcome.
    while (std::optional<Task> task = batch->Pop()) {
      auto failed = std::make_shared<QueryOutcome>(
          QueryOutcome::Failed(QueryError::kConnection, lease.status()));
      failed->finished_at = clock_->Now();
      Publish(*task, failed);
    }
    return false;
  }
  const size_t workers =
      std::min<size_t>(batch->Size(), static_cast<size_t>(options_.max_concurrent_queries));
  {
    MutexLock lock(&batch->mu);
    size_t quick = 0;
    for (const Task& task : batch->queue) quick += Together(task) ? 1 : 0;
    batch->share = BatchPolicy::Share(quick, workers);
  }
  tasks_.Run([this, batch, first = std::make_shared<Lease>(std::move(*lease))]() mutable {
    Work(batch, std::move(*first));
  });
  for (size_t i = 1; i < workers; ++i) tasks_.Run([this, batch] { Work(batch, std::nullopt); });
  return true;
}

void ScrapeEngine::Await(std::vector<QueryPlan>& plans, const Deadline& deadline) {
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
}

Exposition ScrapeEngine::Assemble(const std::vector<QueryPlan>& plans, const Batch& batch, bool up,
                                  TimePoint start, const std::set<std::string>& scope) {
  const std::optional<ScrapeSession::Serving> serving = batch.session.serving();
  ScrapeAssembly assembly{&cache_, &stats_, serving && serving->mixed, &shared_queries_};
  Exposition exposition = assembly.Assemble(plans);
  const double seconds = std::chrono::duration<double>(clock_->Now() - start).count();
  AppendSelfMetrics(up, seconds, batch.session.Members(), stats_, scope, &exposition.families);
  AppendServingFamilies(serving ? std::optional<std::string>(serving->replica) : std::nullopt,
                        serving ? serving->lag_seconds : std::nullopt, &exposition.families);
  if (logger_->Enabled(LogLevel::kDebug)) {
    size_t cached = 0, waited = 0, cut = 0;
    for (const QueryPlan& plan : plans) {
      if (plan.cut) ++cut;
      (plan.execution ? waited : cached) += 1;
    }
    logger_->Debug("scrape", {{"duration_seconds", std::to_string(seconds)},
                              {"up", up ? "1" : "0"},
                              {"replica", serving ? serving->replica : ""},
                              {"executions_led", std::to_string(batch.led)},
                              {"queries_awaited", std::to_string(waited)},
                              {"queries_from_cache", std::to_string(cached)},
                              {"queries_cut", std::to_string(cut)}});
  }
  return exposition;
}

}  // namespace rse
