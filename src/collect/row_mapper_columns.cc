// RowMapper::Begin: which result column feeds each metric's labels, value(s),
// buckets and sum, resolved once per result by name; a missing or ambiguous
// column fails the query.
#include <algorithm>

#include "collect/row_mapper.h"
#include "collect/row_mapper_metric.h"

namespace rse {
namespace {

std::optional<size_t> FindColumn(const std::vector<Column>& columns, const std::string& name) {
  for (size_t c = 0; c < columns.size(); ++c) {
    if (columns[c].name == name) return c;
  }
  return std::nullopt;
}

std::string ColumnList(const std::vector<Column>& columns) {
  std::string out;
  for (const Column& c : columns) out += (out.empty() ? "" : ", ") + c.name;
  return out;
}

}  // namespace

bool RowMapper::Resolve(const std::string& where, const std::string& column, size_t* index) {
  auto c = FindColumn(columns_, column);
  if (!c) {
    Fail(QueryError::kInvalidValue, where + column + "\" is not in the result (columns: " +
                                        ColumnList(columns_) + ")");
    return false;
  }
  // Two columns of that name: taking either would be a guess.
  for (size_t other = *c + 1; other < columns_.size(); ++other) {
    if (columns_[other].name != column) continue;
    Fail(QueryError::kInvalidValue, where + column + "\" is in the result twice (columns: " +
                                        ColumnList(columns_) + "): give them distinct names");
    return false;
  }
  *index = *c;
  return true;
}

void RowMapper::Begin(std::vector<Column> columns, size_t rows_hint) {
  columns_ = std::move(columns);
  const size_t expected = std::min(rows_hint, static_cast<size_t>(query_.max_series) + 1);
  for (const MetricSpec& spec : query_.metrics) {
    Metric& metric = metrics_.emplace_back();
    metric.spec = &spec;
    metric.where = "query '" + query_.name + "' metric " + spec.name + ": ";
    metric.family = {spec.name, ExposedHelp(query_, spec), spec.type, {}};
    metric.family.unit = spec.unit;
    for (const std::string& label : spec.labels) {
      size_t c;
      if (!Resolve(metric.where + "label column \"", label, &c)) return;
      metric.label_columns.push_back(c);
    }
    if (spec.type == MetricType::kHistogram) {
      for (const HistogramBucket& bucket : spec.buckets) {
        size_t c;
        if (!Resolve(metric.where + "column \"", bucket.column, &c)) return;
        metric.bucket_columns.push_back(c);
      }
      size_t c;
      if (!Resolve(metric.where + "column \"", spec.sum_column, &c)) return;
      metric.sum_column = c;
      metric.family.samples.reserve(expected * (spec.buckets.size() + 2));
    } else {
      for (const MetricSpec::ValueColumn& value : spec.values) {
        size_t c;
        if (!Resolve(metric.where + "value column \"", value.column, &c)) return;
        metric.value_columns.push_back(c);
      }
      if (!spec.static_value && spec.values.empty()) {
        size_t c;
        if (!Resolve(metric.where + "value column \"", spec.value_column, &c)) return;
        metric.value_column = c;
      }
      const size_t per_row = std::max<size_t>(1, spec.values.size());
      metric.lines = may_write_lines_ && expected * per_row > kLinesAbove;
      if (!metric.lines) metric.family.samples.reserve(expected * per_row);
    }
    metric.expected = expected * std::max<size_t>(1, spec.values.size());
    metric.label_sets.reserve(expected);
  }
}

}  // namespace rse
