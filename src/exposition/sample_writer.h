// Building blocks shared by the text and OpenMetrics renderers (sample lines
// themselves are spelled by model/sample_line.h). Locale-independent.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/number_format.h"
#include "model/metric_family.h"
#include "model/sample_line.h"

namespace rse {

// Merges families that share a name (two queries may feed one metric) so that
// each is rendered once, in order of first appearance; drops empty families.
std::vector<const MetricFamily*> GroupFamilies(const std::vector<MetricFamily>& families,
                                               std::vector<MetricFamily>* merged_storage);

}  // namespace rse
