// The second half of a scrape: decides, per query, what is served (a fresh
// result, a cached one within max_staleness, or nothing) and builds the
// per-query self-metrics. Also drops series that two queries both produce.
#pragma once

#include <future>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include "catalog/query_spec.h"
#include "collect/query_outcome.h"
#include "collect/query_stats.h"
#include "collect/result_cache.h"
#include "collect/single_flight.h"
#include "model/exposition.h"

namespace rse {

struct QueryPlan {
  const QuerySpec* query = nullptr;
  // A cached result served as it is: younger than `cache`, or older but within
  // max_staleness while one refresh runs in the background (not waited for).
  SharedOutcome fresh;
  std::shared_ptr<SingleFlight::Execution> execution;  // The one this scrape led or joined.
  size_t part = 0;  // The query's place in that execution (a snapshot runs several).
  SharedOutcome result;  // That execution's outcome, when it finished by the deadline.
  // An uncached execution still unfinished at the deadline: a timeout of this
  // scrape, with the time it waited to start and the time it ran until then.
  bool cut = false;
  double cut_wait_seconds = 0;
  double cut_run_seconds = 0;
};

struct ScrapeAssembly {
  const ResultCache* cache;
  QueryStats* stats;
  // The scrape moved to another replica mid-way: say where each query ran
  // (replica_sql_query_replica_info), so the rare mixed scrape is visible.
  bool failed_over = false;
  // Queries with a metric name that another [[query.metrics]] entry also
  // produces (null: all). Only their series can collide across results; every
  // other query's result is served as a block, shared with other scrapes and
  // never copied.
  const std::set<std::string>* shared_queries = nullptr;

  // Catalog metrics (blocks, and families of shared names), then
  // replica_sql_query_{success,duration_seconds,wait_seconds,rows,cache_age_seconds}.
  Exposition Assemble(const std::vector<QueryPlan>& plans) const;

 private:
  struct QueryFamilies;
  // What a query's plan serves: an outcome (or none), whether it counts as a
  // success, and the run's duration and wait.
  struct Served {
    SharedOutcome outcome;
    bool ok = false;
    double seconds = 0;
    double waited = 0;
  };
  using SeriesSeen = std::map<std::string, std::unordered_set<std::string>>;

  Served Choose(const QueryPlan& plan) const;
  // The query's series into the exposition; false when some were dropped
  // because another query already produced them.
  bool AddResult(const QuerySpec& query, const SharedOutcome& served, SeriesSeen* produced,
                 Exposition* exposition) const;
  void AddSelfMetrics(const QueryPlan& plan, const Served& served, QueryFamilies* f) const;
};

}  // namespace rse
