// The exporter's own metric families: build information, scrape-level
// gauges, and one series per configured replica.
#pragma once

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

// All of the above plus replica_sql_query_errors_total, appended to `families`.
void AppendSelfMetrics(bool up, double scrape_seconds, const std::vector<MemberSnapshot>& members,
                       const QueryStats& stats, std::vector<MetricFamily>* families);

}  // namespace rse
