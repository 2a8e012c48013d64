// The value types every producer of metrics hands to the exposition layer:
// a family (name, help, type) and its samples. No behaviour, no timestamps.
#pragma once

#include <compare>
#include <string>
#include <utility>
#include <vector>

namespace rse {

enum class MetricType { kGauge, kCounter };

struct Label {
  std::string name;
  std::string value;
  auto operator<=>(const Label&) const = default;
};

struct Sample {
  std::vector<Label> labels;
  double value = 0;
};

// `name` is the sample name as in the Prometheus text format; a counter's
// ends in "_total" (the OpenMetrics renderer strips it for the family).
struct MetricFamily {
  std::string name;
  std::string help;
  MetricType type = MetricType::kGauge;
  std::vector<Sample> samples;
};

}  // namespace rse
