#include "generate/alert_rules.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <vector>

namespace rse {
namespace {

constexpr const char* kInstance = "shop-exporter:10399";  // The test's one target.

// One alert and the labels and annotations it fires with in the test.
struct Alert {
  std::string name, expr, for_, severity, summary, description;
  // In the test: the extra labels of the firing alert (besides job,
  // instance, severity) and the series that makes it fire.
  std::string job;
  std::vector<std::pair<std::string, std::string>> labels;
  std::vector<std::pair<std::string, std::string>> series;  // Series text → values.
  // A query's rules carry its name as a label of the rule too: promtool's
  // lint refuses two rules of one name with the same labels.
  std::string query = {};
};

std::string Quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) out += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
  return out + "\"";
}

std::string Selector(const std::string& job, const std::vector<std::pair<std::string, std::string>>& labels) {
  std::string out = "{job=" + Quoted(job);
  for (const auto& [name, value] : labels) out += ", " + name + "=" + Quoted(value);
  return out + "}";
}

std::string JobOf(const RulesOptions& options, const QuerySpec& query) {
  return query.group.empty() ? options.job : options.job + "_" + query.group;
}

std::string Seconds(std::chrono::milliseconds d) {
  const long long ms = d.count();
  return ms % 1000 == 0 ? std::to_string(ms / 1000) : std::to_string(ms / 1000.0);
}

// Templates in annotations: the test renders them for its one target.
std::string Render(std::string text, const Alert& alert) {
  auto replace = [&](const std::string& from, const std::string& to) {
    for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
      text.replace(at, from.size(), to);
  };
  replace("{{ $labels.instance }}", kInstance);
  for (const auto& [name, value] : alert.labels) replace("{{ $labels." + name + " }}", value);
  return text;
}

std::vector<Alert> HealthAlerts(const ExporterConfig& config, const RulesOptions& options) {
  const std::string any_job = options.job + "(_.+)?";
  const std::string jobs = "{job=~" + Quoted(any_job) + "}";
  const std::string lag = Seconds(config.cluster.max_replication_lag);
  std::vector<Alert> alerts;
  alerts.push_back({"ReplicaSqlExporterDown", "up" + jobs + " == 0", "5m", "critical",
                    "replica_sql_exporter {{ $labels.instance }} cannot be scraped",
                    "Prometheus has failed to scrape {{ $labels.instance }} (job {{ $labels.job }}) "
                    "for 5 minutes: the process is down, the port is blocked, or scrapes exceed "
                    "scrape_timeout.",
                    options.job, {}, {{"up" + Selector(options.job, {}), "0x15"}}});
  alerts.push_back({"ReplicaSqlNoHealthyReplica", "replica_sql_up" + jobs + " == 0", "5m", "critical",
                    "{{ $labels.instance }}: no healthy replica serves the business queries",
                    "replica_sql_up has been 0 for 5 minutes: every replica is down, lagging past "
                    "max_replication_lag, a primary, or refused. See replica_sql_replica_state.",
                    options.job, {}, {{"replica_sql_up" + Selector(options.job, {}), "0x15"}}});
  alerts.push_back(
      {"ReplicaSqlAllReplicasOutOfRotation",
       "sum by (job, instance) (replica_sql_replica_up" + jobs + ") == 0", "5m", "critical",
       "{{ $labels.instance }}: every configured replica is out of the rotation",
       "No member of the cluster passed its last health check for 5 minutes.", options.job, {},
       {{"replica_sql_replica_up" + Selector(options.job, {{"replica", "replica-1:5432"}}), "0x15"},
        {"replica_sql_replica_up" + Selector(options.job, {{"replica", "replica-2:5432"}}), "0x15"}}});
  alerts.push_back({"ReplicaSqlServingReplicaLagHigh",
                    "replica_sql_scrape_replica_lag_seconds" + jobs + " > " + lag, "10m", "warning",
                    "{{ $labels.instance }}: the serving replica lags more than " + lag + " s",
                    "Business metrics are served from a replica more than " + lag +
                        " s (max_replication_lag) behind the primary.",
                    options.job, {},
                    {{"replica_sql_scrape_replica_lag_seconds" + Selector(options.job, {}),
                      std::to_string(config.cluster.max_replication_lag.count() / 1000 + 15) + "x15"}}});
  return alerts;
}

// A database the test's series of a fan-out query carries.
std::string SomeDatabase(const QuerySpec& query) {
  return query.fan_out->databases.empty() ? "tenant_1" : query.fan_out->databases.front();
}

std::vector<Alert> QueryAlerts(const QueryCatalog& catalog, const RulesOptions& options) {
  std::vector<Alert> alerts;
  for (const QuerySpec& query : catalog.queries) {
    const std::string job = JobOf(options, query);
    std::vector<std::pair<std::string, std::string>> labels{{"query", query.name}};
    if (query.fan_out) labels.emplace_back("database", SomeDatabase(query));
    const std::string success = "replica_sql_query_success" + Selector(job, {{"query", query.name}});
    const std::string where = " (" + query.where + ")";
    Alert failing;
    failing.name = "ReplicaSqlQueryFailing";
    failing.severity = "warning";
    failing.query = query.name;
    failing.job = job;
    failing.labels = labels;
    failing.series = {{"replica_sql_query_success" + Selector(job, labels), "0x15"}};
    const std::string in = query.fan_out ? " in database {{ $labels.database }}" : "";
    if (query.group.empty()) {
      failing.expr = success + " == 0";
      failing.for_ = "10m";
      failing.summary = "query " + query.name + in + " has been failing for 10 minutes";
    } else {
      // A group is scraped at its own, maybe long, interval: its series go
      // stale between scrapes, so the latest scrape of the day decides.
      failing.expr = "last_over_time(" + success + "[1d]) == 0";
      failing.for_ = "0m";
      failing.summary = "query " + query.name + in + " failed at the latest scrape of group " +
                        query.group;
    }
    failing.description = "See replica_sql_query_errors_total{query=\"" + query.name +
                          "\"} for the reason, and /status or the exporter's log for the error" +
                          where + ".";
    alerts.push_back(std::move(failing));
    if (!query.cache) continue;
    // Past max_staleness nothing is served: the cache_age series goes while
    // max_staleness stays.
    const std::string staleness =
        "replica_sql_query_cache_max_staleness_seconds" + Selector(job, {{"query", query.name}});
    alerts.push_back({"ReplicaSqlCachedResultTooOld",
                      staleness + " unless on (job, instance, query) replica_sql_query_cache_age_seconds" +
                          Selector(job, {{"query", query.name}}),
                      "5m", "warning",
                      "cached query " + query.name + " has no result younger than its max_staleness (" +
                          Seconds(query.max_staleness) + " s)",
                      "Its refreshes fail or time out; its metrics are absent" + where + ".", job,
                      {{"query", query.name}},
                      {{staleness, Seconds(query.max_staleness) + "x15"}}});
    alerts.back().query = query.name;
  }
  return alerts;
}

YAML::Node RuleNode(const Alert& alert) {
  YAML::Node rule;
  rule["alert"] = alert.name;
  rule["expr"] = alert.expr;
  rule["for"] = alert.for_;
  rule["labels"]["severity"] = alert.severity;
  if (!alert.query.empty()) rule["labels"]["query"] = alert.query;
  rule["annotations"]["summary"] = alert.summary;
  rule["annotations"]["description"] = alert.description;
  return rule;
}

std::string Emit(const YAML::Node& node, const std::string& header) {
  YAML::Emitter out;
  out.SetIndent(2);
  out << node;
  return header + out.c_str() + "\n";
}

// What promtool must see `alert` fire with: its labels (the target's
// instance among them) and its annotations, rendered.
YAML::Node ExpectedAlert(const Alert& alert) {
  YAML::Node expected;
  expected["exp_labels"]["severity"] = alert.severity;
  expected["exp_labels"]["job"] = alert.job;
  expected["exp_labels"]["instance"] = kInstance;
  for (const auto& [label, value] : alert.labels) expected["exp_labels"][label] = value;
  expected["exp_annotations"]["summary"] = Render(alert.summary, alert);
  std::string description = Render(alert.description, alert);
  for (size_t at = description.find("{{ $labels.job }}"); at != std::string::npos;
       at = description.find("{{ $labels.job }}"))
    description.replace(at, 17, alert.job);
  expected["exp_annotations"]["description"] = description;
  return expected;
}

}  // namespace

std::string TestFileName(const std::string& rules_file) {
  const std::string suffix = ".yml";
  if (rules_file.size() > suffix.size() && rules_file.ends_with(suffix))
    return rules_file.substr(0, rules_file.size() - suffix.size()) + ".test.yml";
  return rules_file + ".test.yml";
}

GeneratedRules GenerateAlertRules(const ExporterConfig& config, const QueryCatalog& catalog,
                                  const RulesOptions& options) {
  const std::vector<Alert> health = HealthAlerts(config, options);
  const std::vector<Alert> queries = QueryAlerts(catalog, options);
  YAML::Node rules;
  YAML::Node health_group, query_group;
  health_group["name"] = "replica_sql_exporter";
  for (const Alert& alert : health) health_group["rules"].push_back(RuleNode(alert));
  rules["groups"].push_back(health_group);
  if (!queries.empty()) {
    query_group["name"] = "replica_sql_exporter: queries";
    for (const Alert& alert : queries) query_group["rules"].push_back(RuleNode(alert));
    rules["groups"].push_back(query_group);
  }

  // The test: every series at once over 15 minutes, every alert checked at 12
  // minutes (past each `for`), all of one name together as promtool wants.
  YAML::Node test;
  test["rule_files"].push_back(options.rules_file);
  test["evaluation_interval"] = "1m";
  YAML::Node run;
  run["interval"] = "1m";
  std::set<std::string> seen;
  std::vector<const Alert*> all;
  for (const Alert& alert : health) all.push_back(&alert);
  for (const Alert& alert : queries) all.push_back(&alert);
  for (const Alert* alert : all) {
    for (const auto& [series, values] : alert->series) {
      if (!seen.insert(series).second) continue;
      YAML::Node input;
      // The target's instance label, as Prometheus attaches it.
      input["series"] = series.substr(0, series.size() - 1) + ", instance=" + Quoted(kInstance) + "}";
      input["values"] = values;
      run["input_series"].push_back(input);
    }
  }
  std::vector<std::string> names;
  for (const Alert* alert : all) {
    if (std::find(names.begin(), names.end(), alert->name) == names.end()) names.push_back(alert->name);
  }
  for (const std::string& name : names) {
    YAML::Node check;
    check["eval_time"] = "12m";
    check["alertname"] = name;
    check["exp_alerts"] = YAML::Node(YAML::NodeType::Sequence);
    for (const Alert* alert : all) {
      if (alert->name == name) check["exp_alerts"].push_back(ExpectedAlert(*alert));
    }
    run["alert_rule_test"].push_back(check);
  }
  test["tests"].push_back(run);
  const std::string generated =
      "# Generated by `replica_sql_exporter generate rules` from the catalog; regenerate\n"
      "# instead of editing. ";
  return {Emit(rules, generated + "Jobs: \"" + options.job + "\" for /metrics, \"" + options.job +
                          "_<group>\" for /metrics?group=<group>.\n"),
          Emit(test, generated + "Run: promtool test rules " + TestFileName(options.rules_file) + "\n")};
}

}  // namespace rse
