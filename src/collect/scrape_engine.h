// Turns the catalog and the pool into one scrape's metrics. Everything is
// driven by scrapes: one healthy replica is taken per scrape, the due queries
// run on it in parallel (bounded by max_concurrent_queries), concurrent
// scrapes share executions of the same query, slow queries are cached, and
// the scrape answers by its deadline with whatever finished. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/log.h"
#include "base/worker_pool.h"
#include "catalog/query_spec.h"
#include "collect/batch_policy.h"
#include "collect/query_runner.h"
#include "collect/query_stats.h"
#include "collect/query_status.h"
#include "collect/result_cache.h"
#include "collect/scrape_assembly.h"
#include "collect/scrape_session.h"
#include "collect/single_flight.h"
#include "collect/stall_rule.h"
#include "model/exposition.h"
#include "model/metric_family.h"
#include "pool/replica_pool.h"

namespace rse {

struct ScrapeEngineOptions {
  int max_concurrent_queries = 4;
  // Worker threads, started once and shared by all scrapes. A statement needs
  // a pooled connection, so more workers than connections would only wait.
  int workers = 4;
  // A cached query without a timeout of its own may refresh for this long.
  std::chrono::milliseconds default_refresh_timeout{10'000};
  // Told when a scrape joins an execution another scrape leads, and when an
  // execution's outcome is published. Empty by default; tests synchronise on
  // them instead of sleeping.
  std::function<void(const std::string& query)> on_joined;
  std::function<void(const std::string& query)> on_published;
};

class ScrapeEngine {
 public:
  ScrapeEngine(std::vector<QuerySpec> queries, ScrapeEngineOptions options, ReplicaPool* pool,
               const Clock* clock, Logger* logger);
  ~ScrapeEngine();  // Cancels what still runs and waits for it.
  ScrapeEngine(const ScrapeEngine&) = delete;
  ScrapeEngine& operator=(const ScrapeEngine&) = delete;

  // After a reload: takes over the cached results and error counters of the
  // queries `previous` ran with the same definition. Call before serving.
  // Returns the names of the queries taken over.
  std::vector<std::string> AdoptFrom(const ScrapeEngine& previous);

  // One scrape that ends within `budget`, of the queries in `groups` ("" or
  // an empty list: the queries without a group). Always returns the self-metrics, the
  // per-query ones for those queries only.
  Exposition Scrape(std::chrono::milliseconds budget, const std::vector<std::string>& groups = {});

  // The groups the catalog names, sorted; "" is not one of them.
  std::vector<std::string> Groups() const;

  // Every query of the catalog, in catalog order, as /status shows it.
  std::vector<QueryStatus> QueryStatuses() const;

 private:
  struct Batch;
  struct Retire;
  struct FanOutRun;
  // What runs as one execution: one query, or a consistent snapshot's
  // queries in snapshot order (see catalog/snapshots.h).
  struct Unit {
    std::string key;  // Its single-flight key: the query's name, or "snapshot:<name>".
    std::vector<const QuerySpec*> queries;
    bool snapshot = false;
  };
  struct Task {
    const Unit* unit;
    std::shared_ptr<SingleFlight::Execution> execution;
  };
  // A scrape's four phases. Plan: per query, a fresh or stale cached result,
  // an execution another scrape leads (joined), or one this scrape leads
  // (queued in `batch`, retired when the scrape returns).
  std::vector<QueryPlan> Plan(const std::set<std::string>& scope, TimePoint start, Batch& batch,
                              Retire* retire);
  // Dispatch: a replica and workers for what the batch leads; true when a
  // replica serves (or, leading nothing, when one is in the rotation).
  bool Dispatch(const std::shared_ptr<Batch>& batch);
  // Await: each execution until the deadline; an uncached one unfinished then is cut.
  void Await(std::vector<QueryPlan>& plans, const Deadline& deadline);
  // Assemble: the results served, then the self-metrics of the scope.
  Exposition Assemble(const std::vector<QueryPlan>& plans, const Batch& batch, bool up,
                      TimePoint start, const std::set<std::string>& scope);
  // One worker: pop → run → on a connection error, fail over → publish, until
  // the batch is empty. Several workers share a batch and its session.
  void Work(std::shared_ptr<Batch> batch, std::optional<Lease> lease);
  // Runs the task's query on `*lease` (acquired first if empty), following
  // the session through failovers; leaves `*lease` on the replica it ended on.
  // `may_stall`: it may give up on a replica that stalls under it and run
  // once more elsewhere (see StallRule); false once it did.
  SharedOutcome RunOne(const Task& task, ScrapeSession& session, std::optional<Lease>* lease,
                       bool may_stall = true);
  // Runs `tasks` (quick plain queries, see BatchPolicy) on `*lease` sent
  // together, and publishes each. A query the replica failed under, and those
  // after it that did not run, go on as RunOne() takes them.
  void RunTogether(const std::vector<Task>& tasks, ScrapeSession& session,
                   std::optional<Lease>* lease);
  // What becomes of `task`'s query, which ran in a batch on `member`:
  // published (its outcome, or its run elsewhere after a recovery conflict
  // or a stall), or true: the replica failed under it, `*lease` followed the
  // scrape, and the query is to run again there.
  bool Settle(const Task& task, const QueryRunner::Batched& batched, ScrapeSession& session,
              std::optional<Lease>* lease, size_t member);
  // Whether `task` may share a batch (see BatchPolicy).
  bool Together(const Task& task) const;
  // Runs a snapshot's queries on one session in one transaction, in order;
  // each keeps its own outcome. When the replica fails under it, the whole
  // snapshot runs again on the next one (parts of two replicas would not be
  // one snapshot). A query that ends the session (its deadline) fails the
  // rest with its reason.
  SharedOutcome RunSnapshot(const Task& task, ScrapeSession& session, std::optional<Lease>* lease);
  // Runs a fan-out query once per database on the scrape's replica (the
  // databases listed, or those its databases_query returns there), at most
  // max_concurrent_databases at a time; each database's failure is its own.
  SharedOutcome RunFanOut(const Task& task, ScrapeSession& session, std::optional<Lease>* lease);
  // The part of Publish for a fan-out query's databases: counters and log.
  void PublishDatabases(const QuerySpec& query, const QueryOutcome& outcome);
  // One thread's share of a fan-out: claims databases until none is left.
  void RunDatabases(FanOutRun& run, const QuerySpec& query, ScrapeSession& session, size_t member,
                    const Deadline& deadline);
  // Every query in a unit of its own, but a snapshot's, which share one.
  static std::vector<Unit> PlanUnits(const std::vector<QuerySpec>& queries);
  // Whether `query` (a snapshot's first) may start now: time is left (a
  // cached query refreshes past the scrape's deadline), and a usable session
  // is in `*lease` (the one there, or another of the scrape's replica). The
  // reason why not, otherwise.
  Status ReadyToRun(const QuerySpec& query, ScrapeSession& session, std::optional<Lease>* lease);
  // The outcome of an execution that did not run, or ended early, for `status`.
  std::shared_ptr<QueryOutcome> NotRun(const Task& task, Status status) const;
  // A unit's cached results no older than `max_age`, one per query; empty
  // unless every query has one, and those of a snapshot come from one run.
  std::vector<SharedOutcome> Cached(const Unit& unit, std::chrono::milliseconds max_age) const;
  // Why a query runs once more on another replica: it met a recovery
  // conflict on `member` (counted there), or `member` stalled under it.
  enum class Retry { kRecoveryConflict, kStalled };
  // Runs the task's query once more, by `deadline`, on a healthy replica
  // other than `member`, where it ended with `failed` for `why`; `failed`
  // stands when there is none.
  SharedOutcome RetryElsewhere(const Task& task, ScrapeSession& session, size_t member,
                               const Deadline& deadline, std::shared_ptr<QueryOutcome> failed,
                               Retry why);
  // Whether `outcome` is its query's giving up at the stall of `rule`, for
  // a start at `began`, with the server still answering.
  static bool Stalled(const StatementDeadline& rule, TimePoint began, const QueryOutcome& outcome);
  // Gives up on `plan`'s unfinished execution at the scrape's deadline.
  void Cut(QueryPlan& plan);
  // The deadline of one execution: a cached query refreshes within its own
  // timeout, past the scrape's; any other stops at the scrape's deadline.
  Deadline QueryDeadline(const QuerySpec& query, const Deadline& scrape) const;
  // The same as a rule that counts from when the query starts; `stall`: with
  // the query's stall (StallRule), when another replica could run it.
  StatementDeadline DeadlineRule(const QuerySpec& query, const Deadline& scrape,
                                 bool stall = false) const;
  void Publish(const Task& task, const SharedOutcome& outcome);
  // The part of Publish for one query: counters, log, cache.
  void PublishQuery(const QuerySpec& query, SingleFlight::Execution& execution, size_t part,
                    const SharedOutcome& outcome);
  // No other query produces the query's metric names (see shared_queries_).
  bool Exclusive(const QuerySpec& query) const;

  const std::vector<QuerySpec> queries_;
  const ScrapeEngineOptions options_;
  ReplicaPool* const pool_;
  const Clock* const clock_;
  Logger* const logger_;
  ResultCache cache_;
  SingleFlight flight_;
  QueryStats stats_;
  // Queries with a metric name that more than one [[query.metrics]] entry
  // produces; found once, from the catalog.
  std::set<std::string> shared_queries_;
  std::vector<Unit> units_;  // Every query in one, in catalog order of their first query.

  QueryRunner runner_;
  BatchPolicy batching_;
  StallRule stalls_;

  std::atomic<bool> last_up_ = true;

  WorkerPool tasks_;  // Last: joined first on destruction, while the rest still lives.
};

}  // namespace rse
