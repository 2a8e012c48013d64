#include "catalog/query_catalog.h"

#include <gtest/gtest.h>

#include "catalog/metric_name.h"
#include "testing/bad_file_cases.h"

namespace rse {
namespace {

using testing::LoadBadFileCases;
using testing::TestdataDir;

TEST(QueryCatalogTest, EachBadFileFailsWithItsMessage) {
  auto cases = LoadBadFileCases(TestdataDir() + "/queries/bad");
  ASSERT_GE(cases.size(), 41u);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.path);
    auto catalog = LoadQueryCatalog({c.path});
    ASSERT_FALSE(catalog.ok());
    EXPECT_NE(catalog.status().message().find(c.expected), std::string::npos)
        << "expected: " << c.expected << "\n     got: " << catalog.status().message();
  }
}

TEST(QueryCatalogTest, ShippedShopCatalogLoads) {
  auto catalog = LoadQueryCatalog({std::string(RSE_SOURCE_DIR) + "/queries/shop/*.toml"});
  ASSERT_TRUE(catalog.ok()) << catalog.status().message();
  EXPECT_EQ(catalog->files.size(), 3u);
  EXPECT_GE(catalog->queries.size(), 6u);
  bool has_cached = false;
  for (const QuerySpec& q : catalog->queries) has_cached = has_cached || q.cache.has_value();
  EXPECT_TRUE(has_cached) << "the demo catalog must show a cached (slow) query";
}

TEST(QueryCatalogTest, ReadsEveryKey) {
  auto catalog = ParseQueryCatalog({{"q.toml", R"(
[[query]]
name = "orders_by_status"
sql = "SELECT status, count(*) AS orders FROM orders GROUP BY status"
timeout = "3s"
group = "hourly"
cache = "5m"
max_series = 50

  [[query.metrics]]
  name = "shop_orders"
  type = "gauge"
  help = "Orders by status."
  labels = ["status"]
  value = "orders"
  static_labels = { source = "oltp", db = "main" }
  null_value = -1

  [[query.metrics]]
  name = "shop_info"
  help = "Info."
  labels = ["status"]
  static_value = 1
)"}});
  ASSERT_TRUE(catalog.ok()) << catalog.status().message();
  ASSERT_EQ(catalog->queries.size(), 1u);
  const QuerySpec& q = catalog->queries[0];
  EXPECT_EQ(q.where, "q.toml:2");
  EXPECT_EQ(q.timeout, std::chrono::milliseconds(3'000));
  EXPECT_EQ(q.group, "hourly");
  EXPECT_EQ(q.cache, std::chrono::milliseconds(300'000));
  EXPECT_EQ(q.max_staleness, std::chrono::milliseconds(600'000));  // 2x cache by default.
  EXPECT_EQ(q.max_series, 50);
  ASSERT_EQ(q.metrics.size(), 2u);
  const MetricSpec& m = q.metrics[0];
  EXPECT_EQ(m.type, MetricType::kGauge);
  EXPECT_EQ(m.labels, std::vector<std::string>{"status"});
  EXPECT_EQ(m.static_labels, (std::vector<Label>{{"db", "main"}, {"source", "oltp"}}));  // Sorted.
  EXPECT_EQ(m.value_column, "orders");
  EXPECT_EQ(m.null_value, -1);
  EXPECT_EQ(q.metrics[1].static_value, 1);
  EXPECT_EQ(catalog->MetricCount(), 2u);
}

TEST(QueryCatalogTest, OneMetricMayBeFedByTwoQueriesWhenDefinedAlike) {
  const char* kQuery = R"(
[[query]]
name = "%s"
sql = "select 1 AS v"
  [[query.metrics]]
  name = "shared"
  help = "h"
  value = "v"
)";
  char a[256], b[256];
  std::snprintf(a, sizeof a, kQuery, "a");
  std::snprintf(b, sizeof b, kQuery, "b");
  auto catalog = ParseQueryCatalog({{"a.toml", a}, {"b.toml", b}});
  ASSERT_TRUE(catalog.ok()) << catalog.status().message();
  EXPECT_EQ(catalog->MetricCount(), 1u);
}

TEST(QueryCatalogTest, DuplicateNameAcrossFilesNamesBothPlaces) {
  const char* kQuery =
      "[[query]]\nname = \"same\"\nsql = \"select 1\"\n[[query.metrics]]\nname = \"m\"\nhelp = "
      "\"h\"\nvalue = \"v\"\n";
  auto catalog = ParseQueryCatalog({{"a.toml", kQuery}, {"b.toml", kQuery}});
  ASSERT_FALSE(catalog.ok());
  EXPECT_NE(
      catalog.status().message().find("b.toml:1: query 'same': name: already defined at a.toml:1"),
      std::string::npos)
      << catalog.status().message();
}

TEST(QueryCatalogTest, PatternMatchingNoFileIsAnError) {
  auto catalog = LoadQueryCatalog({"/nonexistent/dir/*.toml"});
  ASSERT_FALSE(catalog.ok());
  EXPECT_NE(catalog.status().message().find("/nonexistent/dir/*.toml: no query file matches"),
            std::string::npos);
}

TEST(MetricNameTest, FollowsThePrometheusDataModel) {
  for (const char* good : {"a", "_a", "a:b", "shop_orders_total", "A1", ":x"})
    EXPECT_TRUE(IsValidMetricName(good)) << good;
  for (const char* bad : {"", "1a", "a-b", "a b", "é", "a.b"})
    EXPECT_FALSE(IsValidMetricName(bad)) << bad;
  for (const char* good : {"a", "_a", "status", "A_1"}) EXPECT_TRUE(IsValidLabelName(good)) << good;
  for (const char* bad : {"", "1a", "a:b", "a-b", "ü"}) EXPECT_FALSE(IsValidLabelName(bad)) << bad;
  EXPECT_TRUE(IsReservedLabelName("__name__"));
  EXPECT_FALSE(IsReservedLabelName("_name"));
}

}  // namespace
}  // namespace rse

namespace rse {
namespace {

TEST(QueryCatalogTest, ReadsValueColumnsAsAListOrAMapAndAUnit) {
  auto catalog = ParseQueryCatalog({{"q.toml", R"(
[[query]]
name = "money"
sql = "SELECT status, revenue, refunds FROM t"
  [[query.metrics]]
  name = "shop_money"
  help = "h"
  labels = ["status"]
  values = ["revenue", "refunds"]
  value_label = "kind"
  [[query.metrics]]
  name = "shop_money_mapped"
  help = "h"
  values = { revenue = "gross", refunds = "refunded" }
  value_label = "kind"
  null_value = 0
  [[query.metrics]]
  name = "shop_sent_bytes_total"
  type = "counter"
  help = "h"
  value = "revenue"
  unit = "bytes"
)"}});
  ASSERT_TRUE(catalog.ok()) << catalog.status().message();
  const auto& metrics = catalog->queries[0].metrics;
  using V = MetricSpec::ValueColumn;
  EXPECT_EQ(metrics[0].values, (std::vector<V>{{"revenue", "revenue"}, {"refunds", "refunds"}}))
      << "a list keeps its order; each column names itself";
  EXPECT_EQ(metrics[0].value_label, "kind");
  EXPECT_TRUE(metrics[0].value_column.empty());
  EXPECT_EQ(metrics[1].values, (std::vector<V>{{"refunds", "refunded"}, {"revenue", "gross"}}));
  EXPECT_EQ(metrics[2].unit, "bytes");
}

TEST(QueryCatalogTest, AMetricFedByTwoQueriesHasOneUnitAndOneValueLabel) {
  auto metric = [](const std::string& query, const std::string& extra) {
    return "[[query]]\nname = \"" + query + "\"\nsql = \"SELECT 1\"\n[[query.metrics]]\n"
           "name = \"shop_age_seconds\"\nhelp = \"h\"\n" + extra;
  };
  auto units = ParseQueryCatalog({{"a.toml", metric("a", "value = \"v\"\nunit = \"seconds\"\n")},
                                  {"b.toml", metric("b", "value = \"v\"\n")}});
  ASSERT_FALSE(units.ok());
  EXPECT_NE(units.status().message().find("unit differs from its definition at a.toml"),
            std::string::npos) << units.status().message();
  auto labels = ParseQueryCatalog(
      {{"a.toml", metric("a", "values = [\"x\"]\nvalue_label = \"kind\"\n")},
       {"b.toml", metric("b", "value = \"v\"\n")}});
  ASSERT_FALSE(labels.ok());
  EXPECT_NE(labels.status().message().find("labels [] differ from [kind]"), std::string::npos)
      << labels.status().message();
}

}  // namespace
}  // namespace rse

namespace rse {
namespace {

TEST(QueryCatalogTest, ReadsSettingsAsSqlLiteralsSortedByName) {
  auto catalog = ParseQueryCatalog({{"q.toml", R"(
[[query]]
name = "tuned"
sql = "SELECT 1 AS v"
  [query.settings]
  work_mem = "64MB"
  jit = false
  random_page_cost = 1.5
  join_collapse_limit = 4
  optimizer_switch = "index_merge=off,mrr=on"
  [[query.metrics]]
  name = "m"
  help = "h"
  value = "v"
)"}});
  ASSERT_TRUE(catalog.ok()) << catalog.status().message();
  EXPECT_EQ(catalog->queries[0].settings,
            (std::vector<SessionSetting>{{"jit", "off"},
                                         {"join_collapse_limit", "4"},
                                         {"optimizer_switch", "'index_merge=off,mrr=on'"},
                                         {"random_page_cost", "1.5"},
                                         {"work_mem", "'64MB'"}}))
      << "both engines' names load; the cluster's engine is checked when the config is known";
}

}  // namespace
}  // namespace rse
