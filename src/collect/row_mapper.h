// Turns one query's result rows into metric families, one per
// [[query.metrics]] entry and one sample per row. Pure: the heart of "never a
// silently wrong metric", so every problem is reported with its reason.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "catalog/query_spec.h"
#include "collect/query_error.h"
#include "db/row_set.h"
#include "model/metric_family.h"

namespace rse {

struct MappingError {
  QueryError reason;
  std::string message;  // Names the query, metric, column, row or labels.
};

struct MappedQuery {
  std::vector<MetricFamily> families;  // Only the metrics that mapped cleanly.
  std::vector<MappingError> errors;
  bool failed = false;  // The whole query's samples were dropped.
  size_t series = 0;     // Samples in `families` (a histogram's row counts its samples).
};

// HELP as exposed: the catalog's text, plus what caching means for a slow query.
std::string ExposedHelp(const QuerySpec& query, const MetricSpec& metric);

// Maps a result as it streams in (it is the RowSink the backend reads into),
// so rows become samples at once and are not kept. One use per execution.
// Rules: labels from `labels` columns (NULL → "") plus static_labels, sorted by
// name; value from `value` (NULL → null_value, else the sample is skipped and
// counted) or static_value; with `values`, one sample per value column, with
// the label value_label naming it. A value that is not a number fails the query
// (invalid_value); a missing column too. Two rows with one label set drop that
// metric (duplicate_series). More than max_series samples drop the query, and
// the reading stops there.
//
// With `may_write_lines`, a gauge or counter of more than kLinesAbove rows is
// kept as exposition lines (MetricFamily::sample_lines) instead of samples:
// only for a query whose metric names no other query produces, because those
// lines can no longer be checked against other queries' series.
class RowMapper final : public RowSink {
 public:
  static constexpr size_t kLinesAbove = 1000;
  explicit RowMapper(const QuerySpec& query, bool may_write_lines = false);
  ~RowMapper() override;
  RowMapper(const RowMapper&) = delete;
  RowMapper& operator=(const RowMapper&) = delete;

  void Begin(std::vector<Column> columns, size_t rows_hint) override;
  bool Row(const std::vector<CellView>& cells) override;
  void Truncated() override;

  size_t rows() const { return rows_; }  // Rows received.
  MappedQuery Finish();                  // Once, after the stream ended.

 private:
  struct Metric;
  void Fail(QueryError reason, std::string message);
  bool Resolve(const std::string& where, const std::string& column, size_t* index);
  bool Labels(Metric& metric, const std::vector<CellView>& cells, std::vector<Label>* labels);
  std::optional<double> HistogramValue(Metric& metric, const std::vector<CellView>& cells,
                                       size_t column, const std::string& name);
  bool AddHistogram(Metric& metric, const std::vector<CellView>& cells, std::vector<Label> labels);
  bool Add(Metric& metric, const std::vector<CellView>& cells);
  // The number in `column` of this row; nullopt when the sample is skipped
  // (NULL without null_value: counted) or the query failed (failed_).
  std::optional<double> Value(Metric& metric, const std::vector<CellView>& cells, size_t column,
                              const std::string& name);
  // Appends one sample (or its exposition line) and notes its label set.
  void Emit(Metric& metric, std::vector<Label> labels, double value);
  bool DropsDuplicates(Metric& metric);  // True (with an error) when it has two equal label sets.

  const QuerySpec& query_;
  const bool may_write_lines_;
  std::vector<Column> columns_;
  std::vector<Metric> metrics_;
  std::vector<MappingError> errors_;
  size_t rows_ = 0;
  size_t samples_ = 0;
  bool failed_ = false;
};

// The same for a whole RowSet.
MappedQuery MapRows(const QuerySpec& query, const RowSet& rows);

}  // namespace rse
