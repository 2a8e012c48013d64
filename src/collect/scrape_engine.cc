#include "collect/scrape_engine.h"

#include <deque>
#include <map>

#include "collect/scrape_assembly.h"
#include "collect/self_metrics.h"

namespace rse {

// The leader queries of one scrape and the replica they run on.
struct ScrapeEngine::Batch {
  explicit Batch(Deadline d) : deadline(d) {}
  const Deadline deadline;
  std::mutex mu;
  std::deque<const QuerySpec*> queue;  // Guarded by mu.
  std::set<size_t> failed_members;     // Guarded by mu.
  size_t member = 0;                   // Guarded by mu. The replica serving this scrape.
};

ScrapeEngine::ScrapeEngine(std::vector<QuerySpec> queries, ScrapeEngineOptions options,
                           ReplicaPool* pool, const Clock* clock, Logger* logger)
    : queries_(std::move(queries)),
      options_(options),
      pool_(pool),
      clock_(clock),
      logger_(logger),
      cache_(clock),
      stats_(queries_) {}

ScrapeEngine::~ScrapeEngine() {
  std::lock_guard<std::mutex> lock(mu_);
  stopping_ = true;
  for (Connection* connection : running_) connection->Cancel();
}

SharedOutcome ScrapeEngine::Execute(const QuerySpec& query, Lease& lease,
                                    const Deadline& deadline) {
  auto outcome = std::make_shared<QueryOutcome>();
  const TimePoint start = clock_->Now();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) {
      outcome->error_reason = "connection";
      outcome->error_message = "the exporter is shutting down";
      return outcome;
    }
    running_.insert(&lease.connection());
  }
  StatusOr<RowSet> rows = lease.connection().Query(query.sql, deadline);
  {
    std::lock_guard<std::mutex> lock(mu_);
    running_.erase(&lease.connection());
  }
  outcome->finished_at = clock_->Now();
  outcome->duration_seconds = std::chrono::duration<double>(outcome->finished_at - start).count();
  if (!rows.ok()) {
    switch (rows.status().code()) {
      case Status::Code::kDeadlineExceeded: outcome->error_reason = "timeout"; break;
      case Status::Code::kUnavailable: outcome->error_reason = "connection"; break;
      default: outcome->error_reason = "sql";
    }
    outcome->error_message = rows.status().message();
    return outcome;
  }
  MappedQuery mapped = MapRows(query, *rows);
  outcome->rows = rows->rows.size();
  outcome->families = std::move(mapped.families);
  outcome->mapping_errors = std::move(mapped.errors);
  outcome->ok = !mapped.failed;
  if (mapped.failed) {
    outcome->error_reason = outcome->mapping_errors.back().reason;
    outcome->error_message = outcome->mapping_errors.back().message;
  }
  return outcome;
}

void ScrapeEngine::Publish(const QuerySpec& query, const SharedOutcome& outcome) {
  stats_.CountExecution(query.name, *outcome);
  if (!outcome->ok) {
    logger_->Warn("query failed", {{"query", query.name},
                                   {"reason", outcome->error_reason},
                                   {"err", outcome->error_message}});
  }
  for (const MappingError& error : outcome->mapping_errors) {
    if (error.reason != "null_value")
      logger_->Warn("query result rejected", {{"query", query.name}, {"err", error.message}});
  }
  if (query.cache) cache_.Store(query.name, outcome);
  flight_.Finish(query.name, outcome);
}

void ScrapeEngine::Work(std::shared_ptr<Batch> batch, std::optional<Lease> lease) {
  while (true) {
    const QuerySpec* query;
    {
      std::lock_guard<std::mutex> lock(batch->mu);
      if (batch->queue.empty()) return;
      query = batch->queue.front();
      batch->queue.pop_front();
    }
    // A cached query refreshes within its own timeout, even past the scrape's
    // deadline; any other query stops at the scrape's deadline.
    const TimePoint now = clock_->Now();
    Deadline deadline =
        query->cache
            ? Deadline(now + query->timeout.value_or(options_.default_refresh_timeout))
            : batch->deadline.Min(Deadline(now + query->timeout.value_or(std::chrono::hours(1))));
    SharedOutcome outcome;
    while (!outcome) {
      if (!query->cache && batch->deadline.Expired(*clock_)) {
        auto late = std::make_shared<QueryOutcome>();
        late->error_reason = "timeout";
        late->error_message = "not started before the scrape deadline";
        outcome = late;
        break;
      }
      if (!lease) {
        size_t member;
        {
          std::lock_guard<std::mutex> lock(batch->mu);
          member = batch->member;
        }
        auto more = pool_->AcquireMore(member, batch->deadline);
        if (more.ok()) lease = std::move(*more);
      }
      if (!lease) {
        auto none = std::make_shared<QueryOutcome>();
        none->error_reason = "connection";
        none->error_message = "no connection to the replica before the deadline";
        outcome = none;
        break;
      }
      outcome = Execute(*query, *lease, deadline);
      if (outcome->error_reason != "connection") break;
      // The replica failed under us: it is marked down, and this and the
      // remaining queries move to the next healthy replica, same deadline.
      size_t failed = lease->member();
      pool_->ReportConnectionFailure(failed, Status::Unavailable(outcome->error_message));
      lease.reset();
      std::set<size_t> exclude;
      {
        std::lock_guard<std::mutex> lock(batch->mu);
        batch->failed_members.insert(failed);
        exclude = batch->failed_members;
      }
      auto next = pool_->AcquireForScrape(batch->deadline, exclude);
      if (!next.ok()) break;
      logger_->Info("failing over mid-scrape",
                    {{"from", pool_->label(failed)}, {"to", pool_->label(next->member())}});
      {
        std::lock_guard<std::mutex> lock(batch->mu);
        batch->member = next->member();
      }
      lease = std::move(*next);
      outcome = nullptr;  // Run the query again on the new replica.
    }
    Publish(*query, outcome);
  }
}

std::vector<MetricFamily> ScrapeEngine::Scrape(std::chrono::milliseconds budget) {
  const TimePoint start = clock_->Now();
  const Deadline deadline(start + budget);
  auto lease = pool_->AcquireForScrape(deadline);
  const bool up = lease.ok();
  // Said once per change, not on every scrape; each member's reason is logged by the pool.
  if (up != last_up_.exchange(up)) {
    if (up)
      logger_->Info("a healthy replica serves scrapes again");
    else
      logger_->Warn("no healthy replica: scrapes serve only the exporter's own metrics",
                    {{"err", lease.status().message()}});
  }

  std::vector<QueryPlan> plans;
  auto batch = std::make_shared<Batch>(deadline);
  for (const QuerySpec& query : queries_) {
    QueryPlan& plan = plans.emplace_back();
    plan.query = &query;
    if (query.cache) plan.fresh = cache_.Get(query.name, *query.cache);
    if (plan.fresh) continue;
    if (!up) {
      stats_.Count(query.name, "connection");
      continue;
    }
    SingleFlight::Ticket ticket = flight_.Begin(query.name);
    plan.pending = ticket.result;
    if (ticket.leader) batch->queue.push_back(&query);
  }
  if (up && !batch->queue.empty()) {
    batch->member = lease->member();
    size_t workers =
        std::min<size_t>(batch->queue.size(), static_cast<size_t>(options_.max_concurrent_queries));
    runner_.Run([this, batch, first = std::make_shared<Lease>(std::move(*lease))]() mutable {
      Work(batch, std::move(*first));
    });
    for (size_t i = 1; i < workers; ++i) runner_.Run([this, batch] { Work(batch, std::nullopt); });
  }
  for (QueryPlan& plan : plans) {
    if (!plan.pending) continue;
    if (plan.pending->wait_for(deadline.Remaining(*clock_)) == std::future_status::ready)
      plan.result = plan.pending->get();
  }
  ScrapeAssembly assembly{&cache_, &stats_, clock_};
  std::vector<MetricFamily> families = assembly.Assemble(plans);
  AppendSelfMetrics(up, std::chrono::duration<double>(clock_->Now() - start).count(),
                    pool_->Snapshot(), stats_, &families);
  return families;
}

}  // namespace rse
