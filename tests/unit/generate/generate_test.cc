// What `generate` writes for a catalog: rules per query (a group's, a cached
// one's, a fan-out's) with a test that names each, a dashboard with a row per
// query and a panel per metric, and schemas that describe every key the
// loaders accept (config/key_docs.h).
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>

#include "catalog/query_catalog.h"
#include "config/key_docs.h"
#include "generate/alert_rules.h"
#include "generate/config_schema.h"
#include "generate/dashboard.h"

namespace rse {
namespace {

QueryCatalog Catalog() {
  auto catalog = ParseQueryCatalog({{"q.toml", R"(
[[query]]
name = "plain"
sql = "select 1 as v"
  [[query.metrics]]
  name = "plain_value"
  help = "h"
  value = "v"
[[query]]
name = "hourly_report"
sql = "select 1 as v, 'x' as kind"
group = "hourly"
cache = "5m"
  [[query.metrics]]
  name = "report_total"
  type = "counter"
  help = "h"
  labels = ["kind"]
  value = "v"
[[query]]
name = "tenants"
sql = "select 1 as v"
databases = ["t1", "t2"]
database_label = "tenant"
  [[query.metrics]]
  name = "tenant_latency_seconds"
  type = "histogram"
  help = "h"
  buckets = { "1" = "v", "+Inf" = "v" }
  sum = "v"
)"}});
  EXPECT_TRUE(catalog.ok()) << catalog.status().message();
  return *catalog;
}

ExporterConfig Config() {
  ExporterConfig config;
  config.cluster.name = "shop";
  config.cluster.max_replication_lag = std::chrono::seconds(45);
  return config;
}

TEST(GenerateTest, RulesHaveOneFailingAlertPerQueryInItsJobAndATestThatFiresEach) {
  const GeneratedRules rules = GenerateAlertRules(Config(), Catalog(), {"rse", "r.rules.yml"});
  const YAML::Node doc = YAML::Load(rules.rules);
  ASSERT_EQ(doc["groups"].size(), 2u);
  const YAML::Node queries = doc["groups"][1]["rules"];
  std::vector<std::string> exprs;
  for (const YAML::Node& rule : queries) exprs.push_back(rule["expr"].as<std::string>());
  ASSERT_EQ(exprs.size(), 4u) << rules.rules;  // 3 failing, 1 cached too old.
  EXPECT_EQ(exprs[0], "replica_sql_query_success{job=\"rse\", query=\"plain\"} == 0");
  EXPECT_EQ(exprs[1],
            "last_over_time(replica_sql_query_success{job=\"rse_hourly\", query=\"hourly_report\"}[1d]) == 0")
      << "a group's series go stale between its scrapes";
  EXPECT_NE(exprs[2].find("unless on (job, instance, query) replica_sql_query_cache_age_seconds"),
            std::string::npos);
  EXPECT_EQ(queries[3]["labels"]["query"].as<std::string>(), "tenants");
  EXPECT_NE(queries[3]["annotations"]["summary"].as<std::string>().find("in database {{ $labels.database }}"),
            std::string::npos);
  const std::string health = doc["groups"][0]["rules"][3]["expr"].as<std::string>();
  EXPECT_EQ(health, "replica_sql_scrape_replica_lag_seconds{job=~\"rse(_.+)?\"} > 45")
      << "the lag alert uses the config's max_replication_lag";

  const YAML::Node test = YAML::Load(rules.test);
  EXPECT_EQ(test["rule_files"][0].as<std::string>(), "r.rules.yml");
  size_t failing = 0;
  for (const YAML::Node& check : test["tests"][0]["alert_rule_test"]) {
    if (check["alertname"].as<std::string>() == "ReplicaSqlQueryFailing") failing = check["exp_alerts"].size();
  }
  EXPECT_EQ(failing, 3u);
  EXPECT_EQ(TestFileName("x.rules.yml"), "x.rules.test.yml");
}

TEST(GenerateTest, TheDashboardHasTheHealthRowThenARowPerQueryWithAPanelPerMetric) {
  const nlohmann::json dashboard = nlohmann::json::parse(GenerateDashboard(Config(), Catalog()));
  EXPECT_EQ(dashboard["title"], "replica_sql_exporter: shop");
  std::vector<std::string> rows;
  std::vector<std::string> exprs;
  for (const auto& panel : dashboard["panels"]) {
    if (panel["type"] == "row") rows.push_back(panel["title"]);
    else if (!rows.empty() && rows.back() != "Exporter health") exprs.push_back(panel["targets"][0]["expr"]);
  }
  EXPECT_EQ(rows, (std::vector<std::string>{"Exporter health", "Query plain",
                                            "Query hourly_report (group hourly) (cached)",
                                            "Query tenants (per tenant)"}));
  ASSERT_EQ(exprs.size(), 3u);
  EXPECT_EQ(exprs[0], "plain_value{job=~\"$job\", instance=~\"$instance\"}");
  EXPECT_EQ(exprs[1], "rate(report_total{job=~\"$job\", instance=~\"$instance\"}[$__rate_interval])");
  EXPECT_EQ(exprs[2],
            "histogram_quantile(0.9, sum by (le, tenant) (rate(tenant_latency_seconds_bucket{job=~\"$job\", "
            "instance=~\"$instance\"}[$__rate_interval])))");
}

// Every key of `doc` is a property of `schema`, with its description.
void ExpectDescribes(const nlohmann::json& schema, const TableDoc& doc) {
  ASSERT_EQ(schema["additionalProperties"], false) << doc.name;
  for (const KeyDoc& key : doc.keys) {
    const std::string name(key.name);
    ASSERT_TRUE(schema["properties"].contains(name)) << doc.name << "." << name;
    EXPECT_EQ(schema["properties"][name]["description"], std::string(key.description));
    if (key.kind == KeyKind::kTable) ExpectDescribes(schema["properties"][name], *key.table);
    if (key.kind == KeyKind::kTableArray) ExpectDescribes(schema["properties"][name]["items"], *key.table);
  }
}

TEST(GenerateTest, TheSchemasDescribeEveryKeyTheLoadersAccept) {
  const nlohmann::json config = nlohmann::json::parse(ExporterConfigSchema());
  EXPECT_EQ(config["$schema"], "http://json-schema.org/draft-07/schema#");
  ExpectDescribes(config, ExporterConfigDoc());
  EXPECT_EQ(config["properties"]["cluster"]["properties"]["engine"]["enum"],
            (nlohmann::json{"postgres", "mysql"}));
  EXPECT_EQ(config["required"], (nlohmann::json{"cluster"}));
  const nlohmann::json queries = nlohmann::json::parse(QueryFileSchema());
  ExpectDescribes(queries, QueryFileDoc());
  const auto& query = queries["properties"]["query"]["items"];
  EXPECT_EQ(query["required"], (nlohmann::json{"name", "sql", "metrics"}));
  EXPECT_EQ(query["properties"]["max_concurrent_databases"]["maximum"], 64);
}

TEST(GenerateTest, AnUnknownKeyIsRefusedWithTheKeysTheSchemaLists) {
  auto catalog = ParseQueryCatalog({{"q.toml", "[[query]]\nname = \"a\"\nsql = \"select 1 as v\"\nsnapshots = 1\n"}});
  ASSERT_FALSE(catalog.ok());
  std::string known;
  for (const KeyDoc& key : TableDocNamed("query").keys)
    known += (known.empty() ? "" : ", ") + std::string(key.name);
  EXPECT_NE(catalog.status().message().find("snapshots: unknown key (known keys: " + known + ")"),
            std::string::npos)
      << catalog.status().message();
}

}  // namespace
}  // namespace rse
