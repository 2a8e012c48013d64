// The exporter's own metric families: build information, scrape-level
// gauges, and one series per configured replica.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "model/metric_family.h"
#include "pool/replica_pool.h"

namespace rse {

class QueryStats;

// replica_sql_exporter_build_info{version,revision} 1
MetricFamily BuildInfoFamily();

// replica_sql_up: 1 when a healthy replica served this scrape.
MetricFamily UpFamily(bool up);

// replica_sql_scrape_duration_seconds
MetricFamily ScrapeDurationFamily(double seconds);

// replica_sql_replica_{up,state,lag_seconds,scrapes_total}, stable label sets.
std::vector<MetricFamily> ReplicaFamilies(const std::vector<MemberSnapshot>& members);

// replica_sql_scrape_replica_info{replica} 1 for the member that served this
// scrape (absent when none did), and replica_sql_scrape_replica_lag_seconds:
// its lag as probed just before its queries ran (NaN when unknown or none).
void AppendServingFamilies(const std::optional<std::string>& replica,
                           std::optional<double> lag_seconds, std::vector<MetricFamily>* families);

// All of the above but the serving families, plus replica_sql_query_errors_total
// for the queries in `queries`, appended to `families`.
void AppendSelfMetrics(bool up, double scrape_seconds, const std::vector<MemberSnapshot>& members,
                       const QueryStats& stats, const std::set<std::string>& queries,
                       std::vector<MetricFamily>* families);

}  // namespace rse
