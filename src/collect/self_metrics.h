// The exporter's own metric families that need no database: build information
// and the scrape-level gauges.
#pragma once

#include <vector>

#include "model/metric_family.h"

namespace rse {

// replica_sql_exporter_build_info{version,revision} 1
MetricFamily BuildInfoFamily();

// replica_sql_up: 1 when a healthy replica served this scrape.
MetricFamily UpFamily(bool up);

// replica_sql_scrape_duration_seconds
MetricFamily ScrapeDurationFamily(double seconds);

}  // namespace rse
