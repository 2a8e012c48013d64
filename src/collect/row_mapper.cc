#include "collect/row_mapper.h"

#include <algorithm>
#include <functional>
#include <string_view>

#include "base/duration.h"
#include "base/number_format.h"
#include "base/utf8.h"
#include "db/value_conversion.h"

namespace rse {
namespace {

std::optional<size_t> FindColumn(const RowSet& rows, const std::string& name) {
  for (size_t c = 0; c < rows.columns.size(); ++c) {
    if (rows.columns[c].name == name) return c;
  }
  return std::nullopt;
}

std::string ColumnList(const RowSet& rows) {
  std::string out;
  for (const Column& c : rows.columns) out += (out.empty() ? "" : ", ") + c.name;
  return out;
}

size_t HashLabels(const std::vector<Label>& labels) {
  size_t hash = 0;
  for (const Label& label : labels)
    hash = hash * 1000003 ^ std::hash<std::string_view>{}(label.value);
  return hash;
}

std::string LabelText(const std::vector<Label>& labels) {
  std::string out;
  for (const Label& l : labels) out += (out.empty() ? "" : ",") + l.name + "=\"" + l.value + "\"";
  return "{" + out + "}";
}

// One value cell of a histogram column: NULL or not a number fails the query.
std::optional<double> HistogramValue(const RowSet& rows, size_t r, const std::string& column,
                                     const std::string& where, std::vector<MappingError>* errors) {
  auto c = FindColumn(rows, column);
  if (!c) {
    errors->push_back({QueryError::kInvalidValue,
                       where + "column \"" + column +
                           "\" is not in the result (columns: " + ColumnList(rows) + ")"});
    return std::nullopt;
  }
  const Cell& cell = rows.rows[r][*c];
  auto value = cell ? CellToDouble(rows.columns[*c].kind, *cell)
                    : StatusOr<double>(Status::InvalidArgument("NULL"));
  if (!value.ok()) {
    errors->push_back({QueryError::kInvalidValue, where + "column \"" + column + "\" at row " +
                                                      std::to_string(r + 1) + ": " +
                                                      value.status().message()});
    return std::nullopt;
  }
  return *value;
}

// Appends one row's buckets (cumulative, so never decreasing), sum and count.
bool AppendHistogram(const MetricSpec& metric, const RowSet& rows, size_t r,
                     const std::vector<Label>& labels, const std::string& where,
                     MetricFamily* family, std::vector<MappingError>* errors) {
  std::vector<Sample> samples;
  double previous = 0;
  for (const HistogramBucket& bucket : metric.buckets) {
    auto count = HistogramValue(rows, r, bucket.column, where, errors);
    if (!count) return false;
    if (*count < previous) {
      errors->push_back({QueryError::kInvalidValue, where + "bucket column \"" + bucket.column +
                                                        "\" at row " + std::to_string(r + 1) +
                                                        " is below the previous bucket: "
                                                        "buckets must be cumulative"});
      return false;
    }
    previous = *count;
    std::vector<Label> with_le = labels;
    with_le.push_back({"le", FormatValue(bucket.upper_bound)});
    samples.push_back({std::move(with_le), *count, "_bucket"});
  }
  auto sum = HistogramValue(rows, r, metric.sum_column, where, errors);
  if (!sum) return false;
  samples.push_back({labels, *sum, "_sum"});
  samples.push_back({labels, previous, "_count"});
  family->samples.insert(family->samples.end(), samples.begin(), samples.end());
  return true;
}

// One row's label set: the label columns (NULL is ""), then static_labels,
// sorted by name. False, with an invalid_value error, when a value is not
// UTF-8 (a BINARY/BLOB column): it would invalidate the whole exposition.
bool RowLabels(const MetricSpec& metric, const RowSet& rows, size_t r,
               const std::vector<size_t>& label_columns, const std::string& where,
               std::vector<Label>* labels, std::vector<MappingError>* errors) {
  labels->clear();
  for (size_t i = 0; i < label_columns.size(); ++i) {
    std::string value = rows.rows[r][label_columns[i]].value_or("");
    if (size_t bad = FirstInvalidUtf8(value); bad != std::string_view::npos) {
      errors->push_back(
          {QueryError::kInvalidValue, where + "label column \"" + metric.labels[i] + "\" at row " +
                                          std::to_string(r + 1) + " is not valid UTF-8 (byte " +
                                          std::to_string(bad + 1) +
                                          "): binary data needs HEX()/encode() in the SQL"});
      return false;
    }
    labels->push_back({metric.labels[i], std::move(value)});
  }
  labels->insert(labels->end(), metric.static_labels.begin(), metric.static_labels.end());
  std::sort(labels->begin(), labels->end(),
            [](const Label& a, const Label& b) { return a.name < b.name; });
  return true;
}

// Maps one metric; returns false (with an error) when its samples must be dropped.
bool MapMetric(const QuerySpec& query, const MetricSpec& metric, const RowSet& rows,
               MetricFamily* family, std::vector<MappingError>* errors, bool* query_failed) {
  const std::string where = "query '" + query.name + "' metric " + metric.name + ": ";
  std::vector<size_t> label_columns;
  for (const std::string& label : metric.labels) {
    auto c = FindColumn(rows, label);
    if (!c) {
      errors->push_back({QueryError::kInvalidValue,
                         where + "label column \"" + label +
                             "\" is not in the result (columns: " + ColumnList(rows) + ")"});
      *query_failed = true;
      return false;
    }
    label_columns.push_back(*c);
  }
  std::optional<size_t> value_column;
  if (!metric.static_value && metric.type != MetricType::kHistogram) {
    value_column = FindColumn(rows, metric.value_column);
    if (!value_column) {
      errors->push_back({QueryError::kInvalidValue,
                         where + "value column \"" + metric.value_column +
                             "\" is not in the result (columns: " + ColumnList(rows) + ")"});
      *query_failed = true;
      return false;
    }
  }
  // Each row's label set, as (hash, index of a sample carrying it); checked
  // for duplicates once all rows are in (far lighter than a set of label sets).
  std::vector<std::pair<size_t, size_t>> label_sets;
  label_sets.reserve(rows.rows.size());
  for (size_t r = 0; r < rows.rows.size(); ++r) {
    const std::vector<Cell>& row = rows.rows[r];
    std::vector<Label> labels;
    if (!RowLabels(metric, rows, r, label_columns, where, &labels, errors)) {
      *query_failed = true;
      return false;
    }
    if (metric.type == MetricType::kHistogram) {
      const size_t hash = HashLabels(labels);
      if (!AppendHistogram(metric, rows, r, labels, where, family, errors)) {
        *query_failed = true;
        return false;
      }
      label_sets.emplace_back(hash, family->samples.size() - 1);  // Its _count sample.
      continue;
    }
    double value = metric.static_value.value_or(0);
    if (value_column) {
      const Cell& cell = row[*value_column];
      if (!cell) {
        if (!metric.null_value) {
          errors->push_back({QueryError::kNullValue,
                             where + "NULL in value column \"" + metric.value_column +
                                 "\" at row " + std::to_string(r + 1) + ": sample skipped"});
          continue;
        }
        value = *metric.null_value;
      } else {
        auto parsed = CellToDouble(rows.columns[*value_column].kind, *cell);
        if (!parsed.ok()) {
          errors->push_back({QueryError::kInvalidValue,
                             where + "value column \"" + metric.value_column + "\" at row " +
                                 std::to_string(r + 1) + ": " + parsed.status().message()});
          *query_failed = true;
          return false;
        }
        value = *parsed;
      }
    }
    Sample sample;
    sample.value = value;
    sample.labels = std::move(labels);
    label_sets.emplace_back(HashLabels(sample.labels), family->samples.size());
    family->samples.push_back(std::move(sample));
  }
  std::sort(label_sets.begin(), label_sets.end());
  for (size_t i = 1; i < label_sets.size(); ++i) {
    if (label_sets[i].first != label_sets[i - 1].first) continue;
    // Equal hashes: compare the label sets themselves (any earlier one of the run).
    const std::vector<Label>& labels = family->samples[label_sets[i].second].labels;
    for (size_t j = i; j > 0 && label_sets[j - 1].first == label_sets[i].first; --j) {
      if (family->samples[label_sets[j - 1].second].labels != labels) continue;
      errors->push_back({QueryError::kDuplicateSeries, where + "two rows give the label set " +
                                                           LabelText(labels) +
                                                           ": the metric's samples are dropped"});
      return false;
    }
  }
  return true;
}

}  // namespace

std::string ExposedHelp(const QuerySpec& query, const MetricSpec& metric) {
  if (!query.cache) return metric.help;
  std::string help = metric.help;
  if (!help.empty() && help.back() != '.') help += '.';
  return help + " Cached: refreshed at most every " + FormatDuration(*query.cache) + ".";
}

MappedQuery MapRows(const QuerySpec& query, const RowSet& rows) {
  MappedQuery out;
  if (rows.truncated) {
    out.errors.push_back({QueryError::kTooManySeries,
                          "query '" + query.name + "': more than " +
                              std::to_string(rows.rows.size()) + " rows, past max_series " +
                              std::to_string(query.max_series) +
                              ": stopped reading; the query's samples are dropped"});
    out.failed = true;
    return out;
  }
  size_t total = 0;
  for (const MetricSpec& metric : query.metrics) {
    MetricFamily family{metric.name, ExposedHelp(query, metric), metric.type, {}};
    if (MapMetric(query, metric, rows, &family, &out.errors, &out.failed)) {
      total += family.samples.size();
      out.families.push_back(std::move(family));
    }
    if (out.failed) break;
  }
  if (!out.failed && total > static_cast<size_t>(query.max_series)) {
    out.errors.push_back({QueryError::kTooManySeries,
                          "query '" + query.name + "': " + std::to_string(total) +
                              " samples exceed max_series " + std::to_string(query.max_series) +
                              ": the query's samples are dropped"});
    out.failed = true;
  }
  if (out.failed) out.families.clear();
  return out;
}

}  // namespace rse
