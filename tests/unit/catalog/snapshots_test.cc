// Consistent snapshots in the catalog: which queries run together, in which
// order, and the mistakes refused (the bad-input corpus has one file per key).
#include "catalog/snapshots.h"

#include <gtest/gtest.h>

#include "catalog/query_catalog.h"

namespace rse {
namespace {

std::string Query(const std::string& name, const std::string& extra = "") {
  return "[[query]]\nname = \"" + name + "\"\nsql = \"select 1 as v\"\n" + extra +
         "[[query.metrics]]\nname = \"m_" + name + "\"\nhelp = \"h\"\nvalue = \"v\"\n";
}

const QuerySpec& Named(const QueryCatalog& catalog, const std::string& name) {
  for (const QuerySpec& query : catalog.queries)
    if (query.name == name) return query;
  throw std::runtime_error("no query " + name);
}

TEST(SnapshotsTest, ATableRunsItsQueriesInTheOrderItListsThemAcrossFiles) {
  auto catalog = ParseQueryCatalog(
      {{"a.toml", Query("total") + Query("alone")},
       {"b.toml", Query("by_status") +
                      "[[snapshot]]\nname = \"orders\"\nqueries = [\"by_status\", \"total\"]\n"}});
  ASSERT_TRUE(catalog.ok()) << catalog.status().message();
  EXPECT_EQ(Named(*catalog, "total").snapshot, "orders");
  EXPECT_EQ(Named(*catalog, "total").snapshot_position, 1);
  EXPECT_EQ(Named(*catalog, "by_status").snapshot, "orders");
  EXPECT_EQ(Named(*catalog, "by_status").snapshot_position, 0);
  EXPECT_EQ(Named(*catalog, "alone").snapshot, "");
}

TEST(SnapshotsTest, TheQueryKeyAloneRunsThemInCatalogOrder) {
  auto catalog = ParseQueryCatalog({{"a.toml", Query("x", "snapshot = \"s\"\n") + Query("y") +
                                                   Query("z", "snapshot = \"s\"\n")}});
  ASSERT_TRUE(catalog.ok()) << catalog.status().message();
  EXPECT_EQ(Named(*catalog, "x").snapshot_position, 0);
  EXPECT_EQ(Named(*catalog, "z").snapshot_position, 1);
  EXPECT_EQ(Named(*catalog, "y").snapshot, "");
}

TEST(SnapshotsTest, TheKeyAndTheTableMayAgree) {
  auto catalog =
      ParseQueryCatalog({{"a.toml", Query("x", "snapshot = \"s\"\n") + Query("y") +
                                        "[[snapshot]]\nname = \"s\"\nqueries = [\"y\", \"x\"]\n"}});
  ASSERT_TRUE(catalog.ok()) << catalog.status().message();
  EXPECT_EQ(Named(*catalog, "x").snapshot_position, 1);
  EXPECT_EQ(Named(*catalog, "y").snapshot_position, 0);
}

TEST(SnapshotsTest, ASnapshotsQueriesShareGroupAndTimeoutAndEveryMistakeIsReported) {
  auto catalog = ParseQueryCatalog(
      {{"a.toml", Query("x", "snapshot = \"s\"\ngroup = \"hourly\"\n") +
                      Query("y", "snapshot = \"s\"\ntimeout = \"2s\"\n") +
                      Query("z", "snapshot = \"t\"\n") +
                      "[[snapshot]]\nname = \"u\"\nqueries = [\"z\"]\n"}});
  ASSERT_FALSE(catalog.ok());
  const std::string& message = catalog.status().message();
  EXPECT_NE(message.find("a.toml:10: query 'y': group: differs from query 'x' (a.toml:1)"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("query 'y': timeout: differs"), std::string::npos) << message;
  EXPECT_NE(message.find("snapshot 'u': queries: query 'z' names snapshot 't'"), std::string::npos)
      << message;
}

TEST(SnapshotsTest, AtMost64QueriesInOneSnapshot) {
  std::string text;
  for (int i = 0; i <= 64; ++i) text += Query("q" + std::to_string(i), "snapshot = \"big\"\n");
  auto catalog = ParseQueryCatalog({{"a.toml", text}});
  ASSERT_FALSE(catalog.ok());
  EXPECT_NE(catalog.status().message().find("query 'q64': snapshot: snapshot 'big' has more than 64"),
            std::string::npos)
      << catalog.status().message();
}

TEST(SnapshotsTest, AFileOfSnapshotTablesAloneIsAllowed) {
  auto catalog = ParseQueryCatalog(
      {{"q.toml", Query("a") + Query("b")},
       {"snapshots.toml", "[[snapshot]]\nname = \"s\"\nqueries = [\"a\", \"b\"]\n"}});
  ASSERT_TRUE(catalog.ok()) << catalog.status().message();
  EXPECT_EQ(Named(*catalog, "b").snapshot, "s");
}

}  // namespace
}  // namespace rse
