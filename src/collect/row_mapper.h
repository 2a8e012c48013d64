// Turns one query's result rows into metric families, one per
// [[query.metrics]] entry and one sample per row. Pure: the heart of "never a
// silently wrong metric", so every problem is reported with its reason.
#pragma once

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
};

// HELP as exposed: the catalog's text, plus what caching means for a slow query.
std::string ExposedHelp(const QuerySpec& query, const MetricSpec& metric);

// Rules: labels from `labels` columns (NULL → "") plus static_labels, sorted by
// name; value from `value` (NULL → null_value, else the sample is skipped and
// counted) or static_value. A value that is not a number fails the query
// (invalid_value); a missing column too. Two rows with one label set drop that
// metric (duplicate_series). More than max_series samples drop the query.
MappedQuery MapRows(const QuerySpec& query, const RowSet& rows);

}  // namespace rse
