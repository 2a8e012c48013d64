// Internal to collect/row_mapper*.cc: one [[query.metrics]] entry's state
// while its query's rows arrive.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "collect/row_mapper.h"

namespace rse {

// One [[query.metrics]] entry while rows arrive.
struct RowMapper::Metric {
  const MetricSpec* spec;
  std::string where;                  // "query 'q' metric m: ", for messages.
  std::vector<size_t> label_columns;  // Of metric.labels, in order.
  std::optional<size_t> value_column;
  std::vector<size_t> value_columns;  // Of spec.values, in order.
  std::vector<size_t> bucket_columns;  // Histograms: of metric.buckets, in order.
  std::optional<size_t> sum_column;
  MetricFamily family;
  // Each row's label set, as (hash, index of a sample carrying it, or offset
  // of its line); checked for duplicates once all rows are in (far lighter
  // than a set of label sets).
  std::vector<std::pair<size_t, size_t>> label_sets;
  size_t expected = 0;   // Rows the driver announced (capped at max_series + 1).
  bool lines = false;    // Written as family.sample_lines, not family.samples.
};

}  // namespace rse
