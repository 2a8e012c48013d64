#include "collect/scrape_engine.h"

#include <deque>
#include <mutex>

#include "collect/scrape_assembly.h"
#include "collect/self_metrics.h"

namespace rse {

// The queries one scrape leads, and the session they run in.
struct ScrapeEngine::Batch {
  Batch(ReplicaPool* pool, Deadline deadline, Logger* logger) : session(pool, deadline, logger) {}
  const QuerySpec* Pop() {
    std::lock_guard<std::mutex> lock(mu);
    if (queue.empty()) return nullptr;
    const QuerySpec* query = queue.front();
    queue.pop_front();
    return query;
  }

  ScrapeSession session;
  std::mutex mu;
  std::deque<const QuerySpec*> queue;  // Guarded by mu (filled before workers start).
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
      runner_(clock) {}

ScrapeEngine::~ScrapeEngine() { runner_.Shutdown(); }

Deadline ScrapeEngine::QueryDeadline(const QuerySpec& query, const Deadline& scrape) const {
  const TimePoint now = clock_->Now();
  if (query.cache) return Deadline(now + query.timeout.value_or(options_.default_refresh_timeout));
  if (query.timeout) return scrape.Min(Deadline(now + *query.timeout));
  return scrape;
}

SharedOutcome ScrapeEngine::RunOne(const QuerySpec& query, ScrapeSession& session,
                                   std::optional<Lease>* lease) {
  const Deadline deadline = QueryDeadline(query, session.deadline());
  while (true) {
    if (!query.cache && session.deadline().Expired(*clock_)) {
      return std::make_shared<QueryOutcome>(QueryOutcome::Failed(
          QueryError::kTimeout, Status::DeadlineExceeded("not started before the scrape deadline")));
    }
    if (!*lease) {
      auto more = session.AcquireMore();
      if (!more.ok()) {
        return std::make_shared<QueryOutcome>(QueryOutcome::Failed(
            QueryError::kConnection,
            Status::Unavailable("no connection to the replica before the deadline: " +
                                more.status().message())));
      }
      lease->emplace(std::move(*more));
    }
    SharedOutcome outcome = runner_.Run(query, (*lease)->connection(), deadline);
    if (outcome->ok() || outcome->reason != QueryError::kConnection) return outcome;
    // The replica failed under us: this and the remaining queries move on.
    auto next = session.FailOver(std::move(**lease), outcome->status);
    lease->reset();
    if (!next.ok()) return outcome;
    lease->emplace(std::move(*next));
  }
}

void ScrapeEngine::Work(std::shared_ptr<Batch> batch, std::optional<Lease> lease) {
  while (const QuerySpec* query = batch->Pop()) Publish(*query, RunOne(*query, batch->session, &lease));
}

void ScrapeEngine::Publish(const QuerySpec& query, const SharedOutcome& outcome) {
  stats_.CountExecution(query.name, *outcome);
  if (!outcome->ok()) {
    logger_->Warn("query failed", {{"query", query.name},
                                   {"reason", QueryErrorLabel(outcome->reason)},
                                   {"err", outcome->status.message()}});
  }
  for (const MappingError& error : outcome->mapping_errors) {
    if (error.reason != QueryError::kNullValue)
      logger_->Warn("query result rejected", {{"query", query.name}, {"err", error.message}});
  }
  if (query.cache) cache_.Store(query.name, outcome);
  flight_.Finish(query.name, outcome);
  if (options_.on_published) options_.on_published(query.name);
}

std::vector<MetricFamily> ScrapeEngine::Scrape(std::chrono::milliseconds budget) {
  const TimePoint start = clock_->Now();
  auto batch = std::make_shared<Batch>(pool_, Deadline(start + budget), logger_);
  const Deadline& deadline = batch->session.deadline();
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

  std::vector<QueryPlan> plans;
  for (const QuerySpec& query : queries_) {
    QueryPlan& plan = plans.emplace_back();
    plan.query = &query;
    if (query.cache) plan.fresh = cache_.Get(query.name, *query.cache);
    if (plan.fresh) continue;
    if (!up) {
      stats_.Count(query.name, QueryError::kConnection);
      continue;
    }
    SingleFlight::Ticket ticket = flight_.Begin(query.name);
    plan.pending = ticket.result;
    if (ticket.leader)
      batch->queue.push_back(&query);
    else if (options_.on_joined)
      options_.on_joined(query.name);
  }
  if (up && !batch->queue.empty()) {
    size_t workers =
        std::min<size_t>(batch->queue.size(), static_cast<size_t>(options_.max_concurrent_queries));
    tasks_.Run([this, batch, first = std::make_shared<Lease>(std::move(*lease))]() mutable {
      Work(batch, std::move(*first));
    });
    for (size_t i = 1; i < workers; ++i) tasks_.Run([this, batch] { Work(batch, std::nullopt); });
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
