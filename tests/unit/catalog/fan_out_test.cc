// Per-database fan-out in the catalog: the keys read, and the mistakes
// refused with file:line (the bad-input corpus has one file per key).
#include "catalog/fan_out.h"

#include <gtest/gtest.h>

#include "catalog/query_catalog.h"

namespace rse {
namespace {

std::string Query(const std::string& extra, const std::string& metric_extra = "") {
  return "[[query]]\nname = \"q\"\nsql = \"select 1 as v\"\n" + extra +
         "[[query.metrics]]\nname = \"m\"\nhelp = \"h\"\nvalue = \"v\"\n" + metric_extra;
}

TEST(FanOutTest, ListedDatabasesAreSortedWithTheDefaultLabelAndConcurrency) {
  auto catalog = ParseQueryCatalog({{"a.toml", Query("databases = [\"b\", \"a\", \"c\"]\n")}});
  ASSERT_TRUE(catalog.ok()) << catalog.status().message();
  const QuerySpec& query = catalog->queries.front();
  ASSERT_TRUE(query.fan_out);
  EXPECT_EQ(query.fan_out->databases, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(query.fan_out->label, "database");
  EXPECT_EQ(query.fan_out->max_concurrent, 2);
}

TEST(FanOutTest, ADatabasesQueryWithItsOwnLabelAndConcurrency) {
  auto catalog = ParseQueryCatalog(
      {{"a.toml", Query("databases_query = \"SELECT datname FROM pg_database\"\n"
                        "database_label = \"tenant\"\nmax_concurrent_databases = 4\n")}});
  ASSERT_TRUE(catalog.ok()) << catalog.status().message();
  const FanOut& fan_out = *catalog->queries.front().fan_out;
  EXPECT_TRUE(fan_out.databases.empty());
  EXPECT_EQ(fan_out.databases_query, "SELECT datname FROM pg_database");
  EXPECT_EQ(fan_out.label, "tenant");
  EXPECT_EQ(fan_out.max_concurrent, 4);
}

TEST(FanOutTest, AQueryWithoutTheKeysDoesNotFanOut) {
  auto catalog = ParseQueryCatalog({{"a.toml", Query("")}});
  ASSERT_TRUE(catalog.ok()) << catalog.status().message();
  EXPECT_FALSE(catalog->queries.front().fan_out);
}

struct Refused {
  std::string extra, metric_extra, message;
};

TEST(FanOutTest, EachMistakeIsRefusedWithItsLineAndKey) {
  const Refused cases[] = {
      {"databases = []\n", "", "a.toml:4: query 'q': databases: must name at least one database"},
      {"databases = \"a\"\n", "", "a.toml:4: query 'q': databases:"},
      {"databases = [\"a\", \"a\"]\n", "", "databases: \"a\" is listed twice"},
      {"databases = [\"\"]\n", "", "is not a database name"},
      {"databases = [\"a\"]\ndatabases_query = \"select 'a'\"\n", "",
       "databases_query: set either databases or databases_query, not both"},
      {"databases_query = \" \"\n", "", "databases_query: must not be empty"},
      {"databases_query = \"SET x = 1\"\n", "", "a.toml:4: query 'q': databases_query:"},
      {"databases = [\"a\"]\ndatabase_label = \"1x\"\n", "",
       "a.toml:5: query 'q': database_label: \"1x\" is not a valid label name"},
      {"databases = [\"a\"]\ndatabase_label = \"__x\"\n", "", "database_label:"},
      {"databases = [\"a\"]\nmax_concurrent_databases = 0\n", "", "max_concurrent_databases:"},
      {"max_concurrent_databases = 2\n", "",
       "max_concurrent_databases: only applies with databases or databases_query"},
      {"database_label = \"db\"\n", "", "database_label: only applies with databases"},
      {"databases = [\"a\"]\n", "labels = [\"database\"]\n",
       "query 'q': labels: \"database\" is the fan-out's database label"},
      {"databases = [\"a\"]\ndatabase_label = \"kind\"\n",
       "static_labels = { kind = \"x\" }\n", "\"kind\" is the fan-out's database label"},
      {"databases = [\"a\"]\nsnapshot = \"s\"\n", "", "snapshot: a snapshot runs on one session"},
  };
  for (const Refused& c : cases) {
    auto catalog = ParseQueryCatalog({{"a.toml", Query(c.extra, c.metric_extra)}});
    ASSERT_FALSE(catalog.ok()) << c.extra;
    EXPECT_NE(catalog.status().message().find(c.message), std::string::npos)
        << c.extra << "\n" << catalog.status().message();
  }
}

TEST(FanOutTest, ASnapshotTableCannotListAFanOutQuery) {
  auto catalog = ParseQueryCatalog(
      {{"a.toml", Query("databases = [\"a\"]\n") +
                      "[[snapshot]]\nname = \"s\"\nqueries = [\"q\"]\n"}});
  ASSERT_FALSE(catalog.ok());
  EXPECT_NE(catalog.status().message().find(
                "snapshot 's': queries: query 'q' has databases or databases_query"),
            std::string::npos)
      << catalog.status().message();
}

}  // namespace
}  // namespace rse
