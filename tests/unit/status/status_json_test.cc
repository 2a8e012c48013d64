#include "status/status_json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "status/status_report_fixture.h"

namespace rse {
namespace {

using nlohmann::json;

TEST(StatusJsonTest, CarriesTheReportInItsDocumentedShape) {
  const json doc = json::parse(RenderStatusJson(testing::HostileReport()));
  EXPECT_EQ(doc["schema"], "replica_sql_exporter/status/v1");
  EXPECT_EQ(doc["generated_at"], "2027-01-15T08:00:00.500Z");
  EXPECT_EQ(doc["exporter"]["uptime_seconds"], 3725);
  EXPECT_EQ(doc["config"]["generation"], 3);
  EXPECT_EQ(doc["config"]["last_reload"]["successful"], false);
  EXPECT_EQ(doc["summary"]["replicas_healthy"], 1);
  EXPECT_EQ(doc["summary"]["queries_failing"], 1);

  const json& down = doc["replicas"][1];
  EXPECT_EQ(down["state"], "backoff");
  EXPECT_EQ(down["retry_at"], "2027-01-15T08:00:04.500Z");
  EXPECT_EQ(down["lag_seconds"], nullptr);
  EXPECT_EQ(down["last_error"]["seconds_ago"], 2);
  EXPECT_EQ(down["address"], std::string("replica2=") + testing::kHostile)
      << "JSON carries text as is: escaping is the reader's";
  const json& up = doc["replicas"][0];
  EXPECT_EQ(up["sessions"]["in_use"], 1);
  EXPECT_EQ(up["fall"]["lagging_probes"], 1);
  EXPECT_EQ(up["reason"], nullptr);
  EXPECT_EQ(up["since_seconds"], 90);

  const json& orders = doc["queries"][0];
  EXPECT_EQ(orders["success"], true);
  EXPECT_EQ(orders["group"], nullptr);
  EXPECT_EQ(orders["snapshot"], "totals");
  EXPECT_EQ(doc["queries"][1]["snapshot"], nullptr);
  EXPECT_EQ(orders["cache"]["ttl_seconds"], 60);
  EXPECT_EQ(orders["cache"]["age_seconds"], 12.5);
  EXPECT_EQ(orders["metrics"][0]["static_labels"]["team"], testing::kHostile);
  EXPECT_EQ(orders["last_run"]["series"], 4);
  const json& bad = doc["queries"][1];
  EXPECT_EQ(bad["success"], false);
  EXPECT_EQ(bad["errors_total"], 4);
  EXPECT_EQ(bad["last_error"]["reason"], "sql");
  const json& never = doc["queries"][2];
  EXPECT_EQ(never["success"], nullptr);
  EXPECT_EQ(never["last_run"], nullptr);
}

TEST(StatusJsonTest, AFanOutQueryShowsEachDatabaseOfItsLatestRunAndMatchesTheSchema) {
  StatusReport report = testing::HostileReport();
  report.queries.push_back(testing::FanOutQueryStatus(report));
  const std::string text = RenderStatusJson(report);
  const json doc = json::parse(text);
  const json& tenants = doc["queries"][3];
  EXPECT_EQ(tenants["fan_out"]["label"], "tenant");
  EXPECT_EQ(tenants["fan_out"]["databases_query"], nullptr);
  EXPECT_EQ(tenants["success"], false) << "a failed database fails the query's row";
  const json& databases = tenants["last_run"]["databases"];
  ASSERT_EQ(databases.size(), 2u);
  EXPECT_EQ(databases[0]["successful"], true);
  EXPECT_EQ(databases[0]["rows"], 10);
  EXPECT_EQ(databases[1]["error_reason"], "connection");
  EXPECT_EQ(doc["queries"][0].count("fan_out"), 0u) << "only a fan-out query has the key";
  // Checked against docs/status.schema.json from a running exporter in
  // integration/status_page_test.cc.
}

TEST(StatusJsonTest, TextThatIsNotUtf8IsReplacedNotThrown) {
  StatusReport report = testing::HostileReport();
  report.queries[1].last_error->message = "bad byte \xff here";
  const std::string text = RenderStatusJson(report);
  const json doc = json::parse(text);
  EXPECT_EQ(doc["queries"][1]["last_error"]["message"], "bad byte \xEF\xBF\xBD here");
}

}  // namespace
}  // namespace rse
