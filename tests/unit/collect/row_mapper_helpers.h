// Small builders for the row mapper's tests: a query, a gauge, a result.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "catalog/query_spec.h"
#include "db/row_set.h"

namespace rse {

inline QuerySpec Query(std::vector<MetricSpec> metrics) {
  QuerySpec q;
  q.name = "orders";
  q.sql = "SELECT ...";
  q.metrics = std::move(metrics);
  return q;
}

inline MetricSpec Gauge(std::string name, std::vector<std::string> labels, std::string value) {
  MetricSpec m;
  m.name = std::move(name);
  m.help = "Help.";
  m.labels = std::move(labels);
  m.value_column = std::move(value);
  return m;
}

inline RowSet Rows(std::vector<Column> columns, std::vector<std::vector<Cell>> rows) {
  return {std::move(columns), std::move(rows)};
}

inline const Column kStatus{"status", ColumnKind::kText};
inline const Column kCount{"n", ColumnKind::kInteger};

}  // namespace rse
