// The value types every producer of metrics hands to the exposition layer:
// a family (name, help, type) and its samples. No behaviour, no timestamps.
#pragma once

#include <compare>
#include <string>
#include <utility>
#include <vector>

namespace rse {

enum class MetricType { kGauge, kCounter, kHistogram };

// "gauge", "counter", "histogram": as # TYPE and the catalog write it.
const char* MetricTypeName(MetricType type);

struct Label {
  std::string name;
  std::string value;
  auto operator<=>(const Label&) const = default;
};

struct Sample {
  std::vector<Label> labels;
  double value = 0;
  std::string suffix{};  // Appended to the family name: "_bucket", "_sum", "_count" for histograms.
};

// `name` is the sample name as in the Prometheus text format; a counter's
// ends in "_total" (the OpenMetrics renderer strips it for the family). A
// histogram's samples carry their suffix and, for buckets, an "le" label.
struct MetricFamily {
  std::string name;
  std::string help;
  MetricType type = MetricType::kGauge;
  std::vector<Sample> samples;
  // Samples already written as exposition lines ("name{labels} value\n", the
  // same in the text format and OpenMetrics), after `samples`. A big query
  // result is kept this way: a sample costs its line, not a structure.
  std::string sample_lines{};
  std::string unit{};  // OpenMetrics # UNIT, when the catalog gives one.

  bool empty() const { return samples.empty() && sample_lines.empty(); }
};

}  // namespace rse
