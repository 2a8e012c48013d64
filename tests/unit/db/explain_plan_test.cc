// Reading EXPLAIN's JSON: the plan's lines, the estimated rows and the full
// scans, from the forms PostgreSQL 15 and MariaDB 10.11 print.
#include "db/explain_plan.h"

#include <gtest/gtest.h>

namespace rse {
namespace {

constexpr const char* kPostgres = R"json([
  {
    "Plan": {
      "Node Type": "Aggregate", "Strategy": "Hashed", "Plan Rows": 4, "Plan Width": 40,
      "Output": ["status", "count(*)"],
      "Plans": [
        {"Node Type": "Seq Scan", "Parent Relationship": "Outer", "Relation Name": "orders",
         "Schema": "public", "Alias": "orders", "Plan Rows": 1000, "Filter": "(total > 0)"},
        {"Node Type": "Index Scan", "Relation Name": "customers", "Schema": "shop", "Plan Rows": 1}
      ]
    }
  }
])json";

TEST(ExplainPlanTest, PostgresGivesItsRowEstimateTreeAndSequentialScans) {
  auto plan = ParsePostgresPlan(kPostgres);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  ASSERT_TRUE(plan->estimated_rows);
  EXPECT_EQ(*plan->estimated_rows, 4);
  EXPECT_EQ(plan->lines, (std::vector<std::string>{"Aggregate (rows=4)",
                                                   "  Seq Scan on public.orders (rows=1000)",
                                                   "  Index Scan on shop.customers (rows=1)"}));
  ASSERT_EQ(plan->full_scans.size(), 1u);
  EXPECT_EQ(plan->full_scans[0].schema, "public");
  EXPECT_EQ(plan->full_scans[0].table, "orders");
  EXPECT_FALSE(plan->full_scans[0].table_rows) << "after the filter: the table's size is looked up";
}

TEST(ExplainPlanTest, MariadbGivesItsTablesAndFullScansWhereverTheyNest) {
  auto plan = ParseMysqlPlan(R"({
    "query_block": {
      "select_id": 1,
      "filesort": {"sort_key": "orders.`status`", "temporary_table": {"nested_loop": [
        {"table": {"table_name": "orders", "access_type": "ALL", "rows": 250000, "filtered": 100}},
        {"table": {"table_name": "customers", "access_type": "eq_ref", "key": "PRIMARY",
                   "rows": 1}}
      ]}}
    }
  })");
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  EXPECT_FALSE(plan->estimated_rows) << "MariaDB estimates rows read, not returned";
  EXPECT_EQ(plan->lines, (std::vector<std::string>{"table orders: access ALL, rows ~250000, key -",
                                                   "table customers: access eq_ref, rows ~1, key PRIMARY"}));
  ASSERT_EQ(plan->full_scans.size(), 1u);
  EXPECT_EQ(plan->full_scans[0].table, "orders");
  EXPECT_EQ(plan->full_scans[0].table_rows, 250000);
}

TEST(ExplainPlanTest, MysqlEightWritesRowsAsStringsUnderAnotherName) {
  auto plan = ParseMysqlPlan(R"({"query_block": {"select_id": 1, "table": {
      "table_name": "orders", "access_type": "ALL", "rows_examined_per_scan": "1200"}}})");
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->full_scans.size(), 1u);
  EXPECT_EQ(plan->full_scans[0].table_rows, 1200);
}

TEST(ExplainPlanTest, AnythingElseIsAClearError) {
  for (const char* text : {"", "not json", "[]", "[{\"Nope\": 1}]", "{\"query_block\": 1}x"}) {
    SCOPED_TRACE(text);
    EXPECT_FALSE(ParsePostgresPlan(text).ok());
  }
  EXPECT_FALSE(ParseMysqlPlan("[1, 2]").ok());
  EXPECT_FALSE(ParseMysqlPlan("{\"no_block\": {}}").ok());
  auto empty = ParseMysqlPlan("{\"query_block\": {\"select_id\": 1, \"message\": \"No tables used\"}}");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->lines, (std::vector<std::string>{"no table read"}));
}

}  // namespace
}  // namespace rse
