#include "catalog/query_parser.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include "catalog/fan_out.h"
#include "catalog/metric_name.h"
#include "catalog/metric_values.h"
#include "catalog/query_settings.h"
#include "catalog/snapshots.h"
#include "catalog/sql_statements.h"
#include "config/toml_fields.h"
#include "model/self_metric_names.h"

namespace rse {
namespace {

bool IsQueryName(std::string_view name) { return IsValidLabelName(name); }

// A group is written into scrape URLs (?group=x): nothing that needs escaping.
bool IsGroupName(std::string_view name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-';
  });
}

bool IsBlank(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

void CheckLabelName(TableReader& r, std::string_view key, const std::string& label) {
  if (!IsValidLabelName(label)) {
    r.Error(key, "\"" + label + "\" is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*)");
  } else if (IsReservedLabelName(label)) {
    r.Error(key,
            "\"" + label + "\" is reserved: label names starting with \"__\" belong to Prometheus");
  }
}

bool IsLabel(const MetricSpec& metric, const std::string& column) {
  return std::find(metric.labels.begin(), metric.labels.end(), column) != metric.labels.end();
}

// buckets = { "10" = "le_10", "100" = "le_100", "+Inf" = "orders" } and sum = "column":
// cumulative counts per upper bound, as in the Prometheus data model.
template <typename Fail>
void ParseHistogram(TableReader& r, MetricSpec* metric, const Fail& fail) {
  for (const char* key : {"value", "static_value", "null_value"}) {
    if (r.Has(key)) fail(key, "does not apply to a histogram (use buckets and sum)");
  }
  for (const char* suffix : {"_bucket", "_sum", "_count", "_total"}) {
    if (metric->name.ends_with(suffix)) {
      fail("name", "a histogram's name must not end in \"" + std::string(suffix) +
                       "\": the exporter adds _bucket, _sum and _count");
    }
  }
  if (IsLabel(*metric, "le")) fail("labels", "\"le\" is reserved for a histogram's buckets");
  if (auto sum = r.String("sum")) {
    metric->sum_column = *sum;
    if (IsLabel(*metric, *sum)) fail("sum", "column \"" + *sum + "\" is also used as a label");
  } else if (!r.Has("sum")) {
    fail("sum", "required: the column holding the sum of the observations");
  }
  auto buckets = r.StringTable("buckets");
  if (!buckets) {
    if (!r.Has("buckets"))
      fail("buckets",
           "required: { \"<upper bound>\" = \"<column>\", ..., \"+Inf\" = \"<column>\" }");
    return;
  }
  for (const auto& [bound, column] : *buckets) {
    double upper = 0;
    if (bound == "+Inf") {
      upper = HUGE_VAL;
    } else {
      auto [end, ec] = std::from_chars(bound.data(), bound.data() + bound.size(), upper);
      if (ec != std::errc() || end != bound.data() + bound.size() || !std::isfinite(upper)) {
        fail("buckets", "\"" + bound + "\" is not a number (or \"+Inf\")");
        continue;
      }
    }
    if (IsLabel(*metric, column))
      fail("buckets", "column \"" + column + "\" is also used as a label");
    metric->buckets.push_back({upper, column});
  }
  std::sort(metric->buckets.begin(), metric->buckets.end(),
            [](const HistogramBucket& a, const HistogramBucket& b) {
              return a.upper_bound < b.upper_bound;
            });
  if (metric->buckets.empty() || !std::isinf(metric->buckets.back().upper_bound)) {
    fail("buckets", "needs a \"+Inf\" bucket: the count of all observations");
  }
}

// The metric's name (checked and not reserved) and type; false when the
// required name is missing (the reader said so).
bool ParseNameAndType(TableReader& r, MetricSpec* metric, const MetricKeyError& fail) {
  auto name = r.String("name", true);
  if (name) {
    metric->name = *name;
    if (!IsValidMetricName(*name))
      fail("name", "\"" + *name + "\" is not a valid metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)");
    else if (name->rfind(kSelfMetricPrefix, 0) == 0)
      fail("name", "names starting with \"" + std::string(kSelfMetricPrefix) +
                       "\" are reserved for the exporter's own metrics");
  }
  if (auto type = r.String("type")) {
    if (*type == "counter")
      metric->type = MetricType::kCounter;
    else if (*type == "histogram")
      metric->type = MetricType::kHistogram;
    else if (*type != "gauge")
      fail("type", "\"" + *type + "\" is not one of \"gauge\", \"counter\", \"histogram\"");
  }
  if (metric->type == MetricType::kCounter && !metric->name.ends_with("_total")) {
    fail("name", "counter \"" + metric->name + "\" must end in \"_total\" (rename it to \"" +
                     metric->name + "_total\")");
  }
  return name.has_value();
}

void ParseLabels(TableReader& r, MetricSpec* metric, const MetricKeyError& fail) {
  if (auto labels = r.StringArray("labels", "column names")) {
    std::set<std::string> seen;
    for (const std::string& label : *labels) {
      CheckLabelName(r, "labels", label);
      if (!seen.insert(label).second) fail("labels", "column \"" + label + "\" is listed twice");
    }
    metric->labels = *labels;
  }
  if (auto statics = r.StringTable("static_labels")) {
    for (const auto& [name, value] : *statics) {
      CheckLabelName(r, "static_labels", name);
      if (std::find(metric->labels.begin(), metric->labels.end(), name) != metric->labels.end()) {
        fail("static_labels", "\"" + name + "\" is also a label column");
      }
      metric->static_labels.push_back({name, value});  // std::map iterates sorted.
    }
  }
}

// value, static_value and null_value of a metric that is not a histogram.
void ParseValue(TableReader& r, MetricSpec* metric, const MetricKeyError& fail) {
  for (const char* key : {"buckets", "sum"}) {
    if (r.Has(key)) fail(key, "only applies to type = \"histogram\"");
  }
  metric->static_value = r.Number("static_value");
  metric->null_value = r.Number("null_value");
  if (auto value = r.String("value")) {
    metric->value_column = *value;
    if (value->empty()) fail("value", "must name a result column");
    if (metric->static_value) fail("value", "set either value or static_value, not both");
    if (std::find(metric->labels.begin(), metric->labels.end(), *value) != metric->labels.end()) {
      fail("value", "column \"" + *value + "\" is also used as a label");
    }
  } else if (!metric->static_value && !r.Has("value") && !r.Has("values")) {
    fail("value",
         "required: the result column holding the value (or values = [...] for several, or "
         "static_value = 1 for info-style metrics)");
  }
  if (metric->null_value && metric->static_value)
    fail("null_value", "has no meaning with static_value");
}

std::optional<MetricSpec> ParseMetric(TableReader& r) {
  r.RejectUnknownKeys(TableDocNamed("query.metrics"));
  MetricSpec metric;
  metric.where = r.Where(r.table());
  metric.where.resize(metric.where.size() - 2);  // Drop the trailing ": ".
  bool ok = true;
  const MetricKeyError fail = [&](std::string_view key, const std::string& message) {
    r.Error(key, message);
    ok = false;
  };
  if (!ParseNameAndType(r, &metric, fail)) ok = false;
  if (auto help = r.String("help", true); help && !IsBlank(*help))
    metric.help = *help;
  else if (help)
    fail("help", "must not be empty");
  else
    ok = false;
  ParseLabels(r, &metric, fail);
  ParseValueColumns(r, &metric, fail);
  ParseUnit(r, &metric, fail);
  if (metric.type == MetricType::kHistogram)
    ParseHistogram(r, &metric, fail);
  else
    ParseValue(r, &metric, fail);
  if (!ok) return std::nullopt;
  return metric;
}

// A query's timeout, cache and max_staleness.
void ParseTimes(TableReader& q, QuerySpec* query) {
  if (auto timeout = q.Duration("timeout")) {
    if (timeout->count() <= 0) q.Error("timeout", "must be positive");
    query->timeout = timeout;
  }
  if (auto cache = q.Duration("cache")) {
    if (*cache < std::chrono::seconds(1)) q.Error("cache", "must be at least 1s");
    query->cache = cache;
    query->max_staleness = 2 * *cache;
  }
  if (auto staleness = q.Duration("max_staleness")) {
    if (!query->cache)
      q.Error("max_staleness", "only applies to a query with cache");
    else if (*staleness < *query->cache)
      q.Error("max_staleness", "must be at least as long as cache");
    query->max_staleness = *staleness;
  }
}

std::optional<QuerySpec> ParseQuery(TableReader& r, const std::string& file,
                                    std::vector<std::string>* errors) {
  r.RejectUnknownKeys(TableDocNamed("query"));
  QuerySpec query;
  query.where = r.Where(r.table());
  query.where.resize(query.where.size() - 2);
  size_t errors_before = errors->size();
  if (auto name = r.String("name", true)) {
    query.name = *name;
    if (!IsQueryName(*name)) r.Error("name", "\"" + *name + "\" must match [a-zA-Z_][a-zA-Z0-9_]*");
  }
  // Once the name is known, every later message says which query it is about.
  TableReader q(r.table(), file, query.name.empty() ? "" : "query '" + query.name + "': ", errors);
  if (auto sql = q.String("sql", true)) {
    if (IsBlank(*sql)) {
      q.Error("sql", "must not be empty");
    } else if (std::string why = RowlessStatementError(*sql); !why.empty()) {
      q.Error("sql", why);
    }
    query.sql = *sql;
  }
  if (auto group = q.String("group")) {
    if (!IsGroupName(*group))
      q.Error("group", "\"" + *group + "\" must be a URL token: 1 to 64 of [a-zA-Z0-9_-]");
    query.group = *group;
  }
  query.settings = ParseQuerySettings(q, "settings");
  if (auto snapshot = q.String("snapshot")) {
    if (!IsSnapshotName(*snapshot))
      q.Error("snapshot", "\"" + *snapshot + "\" must match [a-zA-Z_][a-zA-Z0-9_]*");
    query.snapshot = *snapshot;
  }
  query.fan_out = ParseFanOut(q);
  if (query.fan_out && !query.snapshot.empty()) {
    q.Error("snapshot",
            "a snapshot runs on one session, in one database: a query with databases or "
            "databases_query cannot be in one");
  }
  ParseTimes(q, &query);
  if (auto max_series = q.Integer("max_series", 1, 1'000'000)) query.max_series = *max_series;
  const toml::array* metrics = q.TableArray("metrics");
  if (!metrics && !q.Has("metrics"))
    q.Error("metrics", "required: at least one [[query.metrics]] table");
  if (metrics) {
    for (size_t i = 0; i < metrics->size(); ++i) {
      TableReader m(*metrics->get(i)->as_table(), file,
                    (query.name.empty() ? "" : "query '" + query.name + "': ") + "metrics[" +
                        std::to_string(i) + "].",
                    errors);
      if (auto metric = ParseMetric(m)) query.metrics.push_back(std::move(*metric));
    }
  }
  CheckFanOutLabel(query, errors);
  if (errors->size() != errors_before) return std::nullopt;
  return query;
}

}  // namespace

void ParseQueryFile(const toml::table& root, const std::string& file, std::vector<QuerySpec>* out,
                    std::vector<std::string>* errors) {
  TableReader reader(root, file, "", errors);
  reader.RejectUnknownKeys(QueryFileDoc());
  const toml::array* queries = reader.TableArray("query");
  if (!queries) {
    // A file of [[snapshot]] tables alone groups queries of other files.
    if (!reader.Has("query") && !reader.Has("snapshot"))
      reader.Error("query", "no [[query]] tables in this file");
    return;
  }
  for (const toml::node& node : *queries) {
    TableReader r(*node.as_table(), file, "", errors);
    if (auto query = ParseQuery(r, file, errors)) out->push_back(std::move(*query));
  }
}

}  // namespace rse
