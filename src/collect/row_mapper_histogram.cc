// RowMapper's histograms: one row's cumulative bucket columns, sum and count
// become _bucket{le}, _sum and _count samples.
#include <cmath>

#include "base/number_format.h"
#include "collect/row_mapper.h"
#include "collect/row_mapper_metric.h"
#include "db/value_conversion.h"

namespace rse {

std::optional<double> RowMapper::HistogramValue(Metric& metric, const std::vector<CellView>& cells,
                                                size_t column, const std::string& name) {
  const CellView& cell = cells[column];
  auto value = cell ? CellToDouble(columns_[column].kind, *cell)
                    : StatusOr<double>(Status::InvalidArgument("NULL"));
  if (!value.ok()) {
    Fail(QueryError::kInvalidValue, metric.where + "column \"" + name + "\" at row " +
                                        std::to_string(rows_) + ": " + value.status().message());
    return std::nullopt;
  }
  return *value;
}

// Appends one row's buckets (cumulative, so never decreasing), sum and count.
bool RowMapper::AddHistogram(Metric& metric, const std::vector<CellView>& cells,
                             std::vector<Label> labels) {
  const MetricSpec& spec = *metric.spec;
  const size_t first = metric.family.samples.size();
  double previous = 0;
  for (size_t b = 0; b < spec.buckets.size(); ++b) {
    auto count = HistogramValue(metric, cells, metric.bucket_columns[b], spec.buckets[b].column);
    if (!count) return false;
    if (*count < previous) {
      Fail(QueryError::kInvalidValue, metric.where + "bucket column \"" + spec.buckets[b].column +
                                          "\" at row " + std::to_string(rows_) +
                                          " is below the previous bucket: "
                                          "buckets must be cumulative");
      return false;
    }
    previous = *count;
    std::vector<Label> with_le = labels;
    with_le.push_back({"le", FormatValue(spec.buckets[b].upper_bound)});
    metric.family.samples.push_back({std::move(with_le), *count, "_bucket"});
  }
  auto sum = HistogramValue(metric, cells, *metric.sum_column, spec.sum_column);
  if (!sum) return false;
  metric.family.samples.push_back({labels, *sum, "_sum"});
  metric.family.samples.push_back({std::move(labels), previous, "_count"});
  samples_ += metric.family.samples.size() - first;
  return true;
}

}  // namespace rse
