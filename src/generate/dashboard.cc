#include "generate/dashboard.h"

#include <nlohmann/json.hpp>

namespace rse {
namespace {

using Json = nlohmann::ordered_json;

constexpr const char* kScope = "job=~\"$job\", instance=~\"$instance\"";

// Lays panels out two to a row of the grid, rows full width.
class Grid {
 public:
  Json& Row(const std::string& title) {
    if (x_ != 0) Next();
    panels_.push_back({{"type", "row"},
                       {"title", title},
                       {"collapsed", false},
                       {"id", ++id_},
                       {"gridPos", {{"h", 1}, {"w", 24}, {"x", 0}, {"y", y_}}},
                       {"panels", Json::array()}});
    y_ += 1;
    return panels_.back();
  }
  Json& Panel(const std::string& type, const std::string& title, const std::string& description,
              const std::vector<std::pair<std::string, std::string>>& targets,
              const std::string& unit = "") {
    Json panel{{"type", type},
               {"title", title},
               {"description", description},
               {"id", ++id_},
               {"datasource", {{"type", "prometheus"}, {"uid", "${datasource}"}}},
               {"gridPos", {{"h", 8}, {"w", 12}, {"x", x_}, {"y", y_}}},
               {"fieldConfig", {{"defaults", {{"unit", unit.empty() ? "short" : unit}}},
                                {"overrides", Json::array()}}},
               {"options", {{"legend", {{"displayMode", "list"}, {"placement", "bottom"}}}}},
               {"targets", Json::array()}};
    char ref = 'A';
    for (const auto& [expr, legend] : targets) {
      panel["targets"].push_back({{"datasource", {{"type", "prometheus"}, {"uid", "${datasource}"}}},
                                  {"expr", expr},
                                  {"legendFormat", legend},
                                  {"refId", std::string(1, ref++)}});
    }
    panels_.push_back(std::move(panel));
    if (x_ == 0) {
      x_ = 12;
    } else {
      Next();
    }
    return panels_.back();
  }
  Json Take() { return std::move(panels_); }

 private:
  void Next() {
    x_ = 0;
    y_ += 8;
  }
  Json panels_ = Json::array();
  int id_ = 0, x_ = 0, y_ = 0;
};

// The Grafana unit of an OpenMetrics unit suffix, when it has one.
std::string GrafanaUnit(const std::string& unit) {
  if (unit == "seconds") return "s";
  if (unit == "bytes") return "bytes";
  if (unit == "ratio") return "percentunit";
  if (unit == "celsius") return "celsius";
  return "";
}

void HealthRow(Grid& grid) {
  grid.Row("Exporter health");
  grid.Panel("stat", "Serving replica available",
             "replica_sql_up: 1 when a healthy replica served the scrape's queries.",
             {{"min by (job, instance) (replica_sql_up{" + std::string(kScope) + "})",
               "{{instance}} {{job}}"}});
  grid.Panel("timeseries", "Serving replica lag",
             "How old the business data of each scrape is: the lag of the replica that served it, "
             "probed just before its queries ran.",
             {{"replica_sql_scrape_replica_lag_seconds{" + std::string(kScope) + "}",
               "{{instance}} {{job}}"}},
             "s");
  grid.Panel("state-timeline", "Replica state",
             "Each configured replica's state: healthy, lagging, down, primary or refused.",
             {{"replica_sql_replica_state{" + std::string(kScope) + "} == 1",
               "{{replica}} {{state}}"}});
  grid.Panel("timeseries", "Query duration",
             "Duration of the run whose result was served, per query (and database for a fan-out "
             "query).",
             {{"replica_sql_query_duration_seconds{" + std::string(kScope) + "}",
               "{{query}} {{database}}"}},
             "s");
  grid.Panel("timeseries", "Query errors per second, by reason",
             "replica_sql_query_errors_total: timeout, sql, connection, recovery_conflict, "
             "invalid_value, duplicate_series, too_many_series, null_value.",
             {{"sum by (query, reason, database) (rate(replica_sql_query_errors_total{" +
                   std::string(kScope) + "}[$__rate_interval])) > 0",
               "{{query}} {{reason}} {{database}}"}});
  grid.Panel("timeseries", "Scrape duration", "How long each scrape took, against its deadline.",
             {{"replica_sql_scrape_duration_seconds{" + std::string(kScope) + "}",
               "{{instance}} {{job}}"}},
             "s");
  grid.Panel("timeseries", "Exporter memory and reloads",
             "Resident memory of the exporter, and whether its last config reload succeeded (1).",
             {{"process_resident_memory_bytes{" + std::string(kScope) + "}", "{{instance}} resident"},
              {"replica_sql_config_last_reload_successful{" + std::string(kScope) + "}",
               "{{instance}} last reload ok"}});
  grid.Panel("timeseries", "Cached result age against max staleness",
             "A cached query's result age; past its max_staleness nothing is served.",
             {{"replica_sql_query_cache_age_seconds{" + std::string(kScope) + "}", "{{query}} age"},
              {"replica_sql_query_cache_max_staleness_seconds{" + std::string(kScope) + "}",
               "{{query}} max staleness"}},
             "s");
}

// A metric's series: its label columns, a fan-out's database label, a
// values metric's value label.
std::string Legend(const QuerySpec& query, const MetricSpec& metric) {
  // Appended piece by piece: `"{{" + label` makes GCC 12 at -O2 warn a false
  // -Wrestrict (GCC bug 105329), as in config/web_config_fields.h.
  std::string legend;
  auto add = [&](const std::string& label) {
    if (!legend.empty()) legend += ' ';
    legend += "{{";
    legend += label;
    legend += "}}";
  };
  if (query.fan_out) add(query.fan_out->label);
  for (const std::string& label : metric.labels) add(label);
  if (!metric.values.empty()) add(metric.value_label);
  return legend.empty() ? metric.name : legend;
}

std::string Expression(const QuerySpec& query, const MetricSpec& metric) {
  std::string scope = "{";  // Appended: see Legend.
  scope += kScope;
  scope += '}';
  switch (metric.type) {
    case MetricType::kCounter:
      return "rate(" + metric.name + scope + "[$__rate_interval])";
    case MetricType::kHistogram: {
      std::string by = "le";
      if (query.fan_out) by += ", " + query.fan_out->label;
      for (const std::string& label : metric.labels) by += ", " + label;
      return "histogram_quantile(0.9, sum by (" + by + ") (rate(" + metric.name + "_bucket" + scope +
             "[$__rate_interval])))";
    }
    case MetricType::kGauge:
      break;
  }
  return metric.name + scope;
}

}  // namespace

std::string GenerateDashboard(const ExporterConfig& config, const QueryCatalog& catalog) {
  Grid grid;
  HealthRow(grid);
  for (const QuerySpec& query : catalog.queries) {
    std::string title = "Query " + query.name;
    if (!query.group.empty()) title += " (group " + query.group + ")";
    if (query.cache) title += " (cached)";
    if (query.fan_out) title += " (per " + query.fan_out->label + ")";
    grid.Row(title);
    for (const MetricSpec& metric : query.metrics) {
      std::string what = metric.name;
      if (metric.type == MetricType::kCounter) what += ", per second";
      if (metric.type == MetricType::kHistogram) what += ", 90th percentile";
      grid.Panel("timeseries", what, metric.help + " (" + metric.where + ")",
                 {{Expression(query, metric), Legend(query, metric)}},
                 metric.type == MetricType::kCounter ? "" : GrafanaUnit(metric.unit));
    }
  }
  auto variable = [](const std::string& name, const std::string& query) {
    return Json{{"name", name},
                {"label", name},
                {"type", "query"},
                {"datasource", {{"type", "prometheus"}, {"uid", "${datasource}"}}},
                {"query", {{"query", query}, {"refId", "PrometheusVariableQueryEditor-VariableQuery"}}},
                {"definition", query},
                {"refresh", 2},
                {"includeAll", true},
                {"multi", true},
                {"current", {{"text", "All"}, {"value", "$__all"}}}};
  };
  Json dashboard{
      {"title", "replica_sql_exporter: " + config.cluster.name},
      {"uid", "replica-sql-" + config.cluster.name},
      {"description",
       "Generated by `replica_sql_exporter generate dashboard` from the catalog of cluster " +
           config.cluster.name + "; regenerate instead of editing."},
      {"tags", {"replica_sql_exporter", "databases"}},
      {"schemaVersion", 39},
      {"version", 1},
      {"editable", true},
      {"time", {{"from", "now-6h"}, {"to", "now"}}},
      {"refresh", "30s"},
      {"templating",
       {{"list",
         {Json{{"name", "datasource"},
               {"label", "Data source"},
               {"type", "datasource"},
               {"query", "prometheus"},
               {"current", Json::object()}},
          variable("job", "label_values(replica_sql_up, job)"),
          variable("instance", "label_values(replica_sql_up{job=~\"$job\"}, instance)")}}}},
      {"panels", grid.Take()}};
  return dashboard.dump(2) + "\n";
}

}  // namespace rse
