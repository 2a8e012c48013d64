// ScrapeEngine::QueryStatuses: what /status shows of each catalog query,
// copied from the catalog, the cache and the counters.
#include "collect/scrape_engine.h"

namespace rse {

std::vector<QueryStatus> ScrapeEngine::QueryStatuses() const {
  std::vector<QueryStatus> out;
  out.reserve(queries_.size());
  for (const QuerySpec& query : queries_) {
    QueryStatus status;
    status.name = query.name;
    status.group = query.group;
    status.snapshot = query.snapshot;
    status.fan_out = query.fan_out;
    status.where = query.where;
    status.metrics = query.metrics;
    status.cache = query.cache;
    status.max_staleness = query.max_staleness;
    if (query.cache) status.cached_age_seconds = cache_.StoredAgeSeconds(query.name);
    stats_.Describe(query.name, &status);
    out.push_back(std::move(status));
  }
  return out;
}

}  // namespace rse
