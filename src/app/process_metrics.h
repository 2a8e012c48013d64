// The standard process_* metrics every Prometheus exporter serves (CPU
// seconds, resident and virtual memory, open and max fds, start time), read
// from /proc/self at scrape time, with the names and units of client_golang.
#pragma once

#include <vector>

#include "model/metric_family.h"

namespace rse {

// Appends what /proc gives; a family whose source cannot be read is left out.
void AppendProcessMetrics(std::vector<MetricFamily>* families);

}  // namespace rse
