// Renders metric families in the Prometheus text format 0.0.4 and in
// OpenMetrics 1.0.0. Pure functions; no timestamps; one HELP/TYPE per family.
#pragma once

#include <string>
#include <vector>

#include "model/metric_family.h"

namespace rse {

std::string RenderText(const std::vector<MetricFamily>& families);
std::string RenderOpenMetrics(const std::vector<MetricFamily>& families);

}  // namespace rse
