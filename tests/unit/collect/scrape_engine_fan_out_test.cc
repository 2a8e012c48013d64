// The scrape engine with per-database fan-out: a query runs once per database
// on the scrape's replica, each sample labelled with its database, each
// database succeeding or failing on its own, databases found per scrape.
#include <gtest/gtest.h>

#include "collect/scrape_engine_fixture.h"

namespace rse {
namespace {

QuerySpec FanOutQuery(const std::string& name, std::vector<std::string> databases,
                      std::string databases_query = "", int max_concurrent = 2) {
  QuerySpec query = Query(name);
  query.fan_out = FanOut{std::move(databases), std::move(databases_query), "database",
                         max_concurrent};
  return query;
}

// Each database answers its own number: a=1, b=2, ... ("<name>_value").
StatusOr<RowSet> ByDatabase(std::string_view sql, const std::string& database) {
  if (sql == "list") {
    RowSet rows{{{"datname", ColumnKind::kText}}, {}};
    for (const char* name : {"b", "a", "c"}) rows.rows.push_back({Cell(name)});
    return rows;
  }
  if (database.empty()) return Value(0);
  return Value(database[0] - 'a' + 1);
}

TEST_F(ScrapeEngineTest, AFanOutQueryRunsInEachDatabaseWithItsLabelAndSuccess) {
  Make({FanOutQuery("sizes", {"a", "b", "c"}), Query("plain")}, 1, 2);
  backend_.Edit(1, [](FakeMember& m) { m.query_in = ByDatabase; });
  auto families = engine_->Scrape(2s).Flatten();
  for (const char* db : {"a", "b", "c"}) {
    EXPECT_EQ(FindExact(families, "sizes_value", {{"database", db}}), db[0] - 'a' + 1) << db;
    EXPECT_EQ(FindExact(families, "replica_sql_query_success", {{"query", "sizes"}, {"database", db}}),
              1) << db;
    EXPECT_TRUE(FindExact(families, "replica_sql_query_duration_seconds",
                          {{"query", "sizes"}, {"database", db}}));
    EXPECT_EQ(FindExact(families, "replica_sql_query_rows", {{"query", "sizes"}, {"database", db}}),
              1);
  }
  EXPECT_FALSE(FindExact(families, "replica_sql_query_success", {{"query", "sizes"}}))
      << "a fan-out query reports per database only";
  EXPECT_EQ(FindExact(families, "plain_value", {}), 0) << "the others run in the configured one";
  EXPECT_EQ(Find(families, "replica_sql_up"), 1);
  EXPECT_LE(backend_.Get(1).peak_open_connections, 2);
}

TEST_F(ScrapeEngineTest, ADatabaseThatFailsFailsAloneAndIsCountedWithItsName) {
  Make({FanOutQuery("sizes", {"a", "b", "gone"})}, 1, 2);
  backend_.Edit(1, [](FakeMember& m) {
    m.query_in = ByDatabase;
    m.missing_databases = {"gone"};
  });
  for (int scrape = 0; scrape < 2; ++scrape) {
    auto families = engine_->Scrape(2s).Flatten();
    EXPECT_EQ(FindExact(families, "sizes_value", {{"database", "a"}}), 1);
    EXPECT_EQ(FindExact(families, "sizes_value", {{"database", "b"}}), 2);
    EXPECT_FALSE(FindExact(families, "sizes_value", {{"database", "gone"}}));
    EXPECT_EQ(FindExact(families, "replica_sql_query_success",
                        {{"query", "sizes"}, {"database", "gone"}}),
              0);
    EXPECT_EQ(FindExact(families, "replica_sql_query_errors_total",
                        {{"query", "sizes"}, {"reason", "connection"}, {"database", "gone"}}),
              scrape + 1);
    EXPECT_FALSE(FindExact(families, "replica_sql_query_errors_total",
                           {{"query", "sizes"}, {"reason", "connection"}, {"database", "a"}}))
        << "a database's error series appear with its first error";
    EXPECT_EQ(Find(families, "replica_sql_query_errors_total", "sizes", "connection"), 0)
        << "not also counted for the query as a whole";
    EXPECT_EQ(Find(families, "replica_sql_up"), 1);
    EXPECT_EQ(pool_->Snapshot()[0].state, MemberState::kHealthy);
  }
  EXPECT_NE(log_.str().find("query failed in one database"), std::string::npos);
  EXPECT_EQ(log_.str().find("query failed in one database"),
            log_.str().rfind("query failed in one database"))
      << "logged once while it keeps failing";
}

TEST_F(ScrapeEngineTest, ADatabasesQueryFindsTheDatabasesEachScrapeAndDropsTheGoneOnes) {
  Make({FanOutQuery("sizes", {}, "list")}, 1, 2);
  std::vector<std::string> listed{"b", "a", "c"};
  std::mutex mu;
  backend_.Edit(1, [&](FakeMember& m) {
    m.missing_databases = {"c"};
    m.query_in = [&](std::string_view sql, const std::string& database) -> StatusOr<RowSet> {
      if (sql != "list") return ByDatabase(sql, database);
      std::lock_guard<std::mutex> lock(mu);
      RowSet rows{{{"datname", ColumnKind::kText}}, {}};
      for (const std::string& name : listed) rows.rows.push_back({Cell(name)});
      rows.rows.push_back({std::nullopt});  // NULLs are skipped.
      return rows;
    };
  });
  auto first = engine_->Scrape(2s).Flatten();
  EXPECT_EQ(CountSamples(first, "sizes_value"), 2u);
  EXPECT_EQ(FindExact(first, "replica_sql_query_errors_total",
                      {{"query", "sizes"}, {"reason", "connection"}, {"database", "c"}}),
            1);
  {
    std::lock_guard<std::mutex> lock(mu);
    listed = {"a", "d"};  // b and c dropped, d created.
  }
  auto second = engine_->Scrape(2s).Flatten();
  EXPECT_EQ(FindExact(second, "sizes_value", {{"database", "a"}}), 1);
  EXPECT_EQ(FindExact(second, "sizes_value", {{"database", "d"}}), 4);
  EXPECT_FALSE(FindExact(second, "sizes_value", {{"database", "b"}}));
  EXPECT_FALSE(FindExact(second, "replica_sql_query_success",
                         {{"query", "sizes"}, {"database", "c"}}));
  EXPECT_FALSE(FindExact(second, "replica_sql_query_errors_total",
                         {{"query", "sizes"}, {"reason", "connection"}, {"database", "c"}}))
      << "a dropped database takes its error series with it";
}

TEST_F(ScrapeEngineTest, ADatabasesQueryThatFailsFailsTheQueryAsAWhole) {
  Make({FanOutQuery("sizes", {}, "list"), Query("plain")}, 1, 2);
  backend_.Edit(1, [](FakeMember& m) {
    m.query_in = [](std::string_view sql, const std::string& database) -> StatusOr<RowSet> {
      if (sql == "list") return Status::InvalidArgument("postgres: permission denied for pg_database");
      return ByDatabase(sql, database);
    };
  });
  auto families = engine_->Scrape(2s).Flatten();
  EXPECT_EQ(FindExact(families, "replica_sql_query_success", {{"query", "sizes"}}), 0);
  EXPECT_EQ(Find(families, "replica_sql_query_errors_total", "sizes", "sql"), 1);
  EXPECT_EQ(FindExact(families, "plain_value", {}), 0);
  const std::vector<QueryStatus> statuses = engine_->QueryStatuses();
  ASSERT_TRUE(statuses[0].last_error);
  EXPECT_NE(statuses[0].last_error->message.find("databases_query: postgres: permission denied"),
            std::string::npos)
      << statuses[0].last_error->message;
}

TEST_F(ScrapeEngineTest, AFanOutOnSessionsThatMoveUsesThemWithoutLeakingTheDatabase) {
  // MySQL/MariaDB: sessions move with USE; the next query of the configured
  // database never runs in a tenant's.
  Make({FanOutQuery("sizes", {"a", "b", "c"}, "", 1), Query("plain")}, 1, 1);
  backend_.Edit(1, [](FakeMember& m) {
    m.query_in = ByDatabase;
    m.switches_database = true;
  });
  for (int scrape = 0; scrape < 3; ++scrape) {
    auto families = engine_->Scrape(2s).Flatten();
    EXPECT_EQ(FindExact(families, "plain_value", {}), 0) << scrape;
    EXPECT_EQ(CountSamples(families, "sizes_value"), 3u) << scrape;
  }
  EXPECT_LE(backend_.Get(1).peak_open_connections, 1);
}

}  // namespace
}  // namespace rse
