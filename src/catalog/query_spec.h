// A validated query of the catalog and the metrics it feeds: value types only.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/session_setting.h"

#include "model/metric_family.h"

namespace rse {

inline constexpr int64_t kDefaultMaxSeries = 10'000;

// One bucket of a histogram: the column holding the cumulative count of
// observations <= upper_bound (+Inf for the last).
struct HistogramBucket {
  double upper_bound = 0;
  std::string column;
  bool operator==(const HistogramBucket&) const = default;
};

// One [[query.metrics]] entry: turns each result row into one sample (a
// histogram: into its buckets, sum and count).
struct MetricSpec {
  std::string name;   // Counters end in "_total".
  std::string where;  // "file:line" of its table, for messages.
  MetricType type = MetricType::kGauge;
  std::string help;                      // As written; see QuerySpec::cache for what HELP adds.
  std::vector<std::string> labels;       // Result columns that become labels, in order.
  std::vector<Label> static_labels;      // Sorted by name.
  std::string value_column;              // Empty when static_value is set.
  std::optional<double> static_value;    // info-style metrics: the same value for every row.
  std::optional<double> null_value;      // Substituted for NULL in the value column.
  std::vector<HistogramBucket> buckets;  // Histograms: ascending, the last +Inf.
  std::string sum_column;                // Histograms: the sum of the observations.
  // Several value columns instead of value_column: one sample per column and
  // row, told apart by the label `value_label` = the column's label value
  // (its name, or the name it is mapped to). In file order.
  struct ValueColumn {
    std::string column;
    std::string label_value;
    bool operator==(const ValueColumn&) const = default;
  };
  std::vector<ValueColumn> values;
  std::string value_label;
  std::string unit;  // OpenMetrics # UNIT; the name ends in it ("_seconds", counters "_seconds_total").
  bool operator==(const MetricSpec&) const = default;
};

// Per-database fan-out (see catalog/fan_out.h): the query runs once per
// database on the scrape's replica, each sample labelled `label`="<database>".
struct FanOut {
  std::vector<std::string> databases;  // As listed, sorted; empty with databases_query.
  std::string databases_query;         // Run on the replica per scrape: its first column.
  std::string label = "database";
  int max_concurrent = 2;  // Databases run at once, each on a session of its own.
  bool operator==(const FanOut&) const = default;
};

struct QuerySpec {
  std::string name;  // Unique; the `query` label of self-metrics.
  std::string sql;
  std::string where;  // "file:line" of its [[query]] table, for messages.
  // Empty: served by plain /metrics. Else only by /metrics?group=<group>, its
  // own Prometheus job with its own interval and timeout.
  std::string group;
  std::optional<std::chrono::milliseconds> timeout;  // Capped by the scrape deadline.
  // Set: a slow query whose result may be reused this long.
  std::optional<std::chrono::milliseconds> cache;
  std::chrono::milliseconds max_staleness{
      0};  // With cache: oldest result ever served (default 2x cache).
  int64_t max_series = kDefaultMaxSeries;
  std::vector<MetricSpec> metrics;
  // [query.settings], sorted by name; for this query's statement only.
  std::vector<SessionSetting> settings;
  // Set: the consistent snapshot it runs in, with the catalog's other queries
  // of that name, on one connection in one read-only repeatable-read
  // transaction, in snapshot_position order (see catalog/snapshots.h).
  std::string snapshot;
  int snapshot_position = 0;
  std::optional<FanOut> fan_out;
  bool operator==(const QuerySpec&) const = default;
};

// True when `a` and `b` run the same SQL and map it the same way; where they
// are written (file:line) does not count. A reload keeps the cached result and
// counters of such a query.
bool SameDefinition(const QuerySpec& a, const QuerySpec& b);

}  // namespace rse
