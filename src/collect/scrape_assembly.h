// The second half of a scrape: decides, per query, what is served (a fresh
// result, a cached one within max_staleness, or nothing) and builds the
// per-query self-metrics. Also drops series that two queries both produce.
#pragma once

#include <future>
#include <optional>
#include <vector>

#include "catalog/query_spec.h"
#include "collect/query_outcome.h"
#include "collect/query_stats.h"
#include "collect/result_cache.h"

namespace rse {

struct QueryPlan {
  const QuerySpec* query = nullptr;
  SharedOutcome fresh;  // A cached result young enough that nothing ran.
  std::optional<std::shared_future<SharedOutcome>>
      pending;           // The execution this scrape started or joined.
  SharedOutcome result;  // That execution's outcome, when it finished by the deadline.
};

struct ScrapeAssembly {
  const ResultCache* cache;
  QueryStats* stats;
  const Clock* clock;

  // Catalog metrics, then replica_sql_query_{success,duration_seconds,rows,cache_age_seconds}.
  std::vector<MetricFamily> Assemble(const std::vector<QueryPlan>& plans) const;
};

}  // namespace rse
