// Renders metric families in the Prometheus text format 0.0.4 and in
// OpenMetrics 1.0.0. Pure functions; no timestamps; one HELP/TYPE per family.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/exposition.h"
#include "model/metric_family.h"

namespace rse {

std::string RenderText(const std::vector<MetricFamily>& families);
std::string RenderOpenMetrics(const std::vector<MetricFamily>& families);
// The same for a whole scrape (tests and the dry run; the HTTP server
// renders through http/response_body, which reuses the blocks' memos).
std::string RenderText(const Exposition& exposition);
std::string RenderOpenMetrics(const Exposition& exposition);

// Families as one run of an exposition: HELP, TYPE and samples, without the
// OpenMetrics "# EOF" that ends a whole exposition.
std::string RenderRun(const std::vector<MetricFamily>& families, bool open_metrics);
// The same, one string per family (after merging families that share a name).
struct RenderedFamily {
  std::string name;
  std::string text;
};
std::vector<RenderedFamily> RenderEach(const std::vector<MetricFamily>& families,
                                       bool open_metrics);
inline constexpr std::string_view kOpenMetricsEof = "# EOF\n";

}  // namespace rse
