// Per-database fan-out against the real replicas, both engines, over the
// tenant_1..tenant_5 databases of scripts/cluster/start_databases.sh (tenant_N
// holds N*10 accounts): one series per database with its own success, a
// database that is missing or not allowed fails alone, databases that appear
// and disappear are picked up and dropped, the member's connection cap holds
// on the server under concurrent scrapes, and MySQL/MariaDB's USE never leaks
// into the configured database's queries.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "base/read_file.h"
#include "exposition/text_format.h"
#include "scrape_fixture.h"

namespace rse::testing {
namespace {

class FanOutTest : public ScrapeTest {
 protected:
  // "accounts": count(*) of tenant accounts, fanned out as `fan_out` says.
  std::string AccountsQuery(const std::string& fan_out) const {
    return "[[query]]\nname = \"accounts\"\nsql = \"SELECT count(*) AS n FROM accounts\"\n" +
           fan_out +
           "[[query.metrics]]\nname = \"it_accounts\"\nhelp = \"h\"\nvalue = \"n\"\n";
  }
  // The tenant databases the replica has, as the exporter's user sees them.
  std::string TenantsQuery() const {
    return pg() ? "SELECT datname FROM pg_database WHERE datname LIKE 'tenant%' AND "
                  "has_database_privilege(datname, 'CONNECT')"
                : "SELECT schema_name FROM information_schema.schemata WHERE schema_name "
                  "LIKE 'tenant%'";
  }
  // Creates (or drops) database `name` with `rows` accounts on the primary,
  // readable by the exporter unless `allowed` is false.
  void CreateTenant(const std::string& name, int rows, bool allowed = true) {
    DropTenant(name);
    AdminExec(env(), env().primary, "CREATE DATABASE " + name);
    if (pg()) {
      HostPort primary = env().primary;
      AdminExecIn(name, "CREATE TABLE accounts (id int PRIMARY KEY)");
      AdminExecIn(name, "INSERT INTO accounts SELECT generate_series(1, " +
                            std::to_string(rows) + ")");
      AdminExecIn(name, "GRANT SELECT ON accounts TO exporter");
      if (!allowed) AdminExec(env(), primary, "REVOKE CONNECT ON DATABASE " + name + " FROM PUBLIC");
    } else {
      AdminExec(env(), env().primary, "CREATE TABLE " + name + ".accounts (id int PRIMARY KEY)");
      AdminExec(env(), env().primary, "INSERT INTO " + name + ".accounts SELECT seq FROM " + name +
                                          ".seq_1_to_" + std::to_string(rows));
      // The scripts grant tenant\_% to the exporter; other names stay private.
      (void)allowed;
    }
    WaitReplicasCaughtUp(env());
  }
  void DropTenant(const std::string& name) {
    AdminExec(env(), env().primary,
              pg() ? "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"
                   : "DROP DATABASE IF EXISTS " + name);
    WaitReplicasCaughtUp(env());
  }
  void AdminExecIn(const std::string& database, const std::string& sql) {
    AdminExec(env(), env().primary, sql, database);
  }
  // The exporter's sessions on each replica now.
  std::vector<int> SessionsPerReplica() {
    std::vector<int> out;
    for (const HostPort& replica : env().replicas) {
      auto rows = AdminQuery(env(), replica,
                             pg() ? "SELECT count(*) FROM pg_stat_activity WHERE usename = 'exporter'"
                                  : "SELECT count(*) FROM information_schema.processlist WHERE "
                                    "user = 'exporter'");
      out.push_back(rows.empty() ? -1 : std::stoi(rows[0][0]));
    }
    return out;
  }
};

TEST_P(FanOutTest, EachListedDatabaseHasItsSeriesAndItsSuccess) {
  auto exporter = MakeExporter(
      AccountsQuery("databases = [\"tenant_1\", \"tenant_2\", \"tenant_3\"]\n") + kCountQuery);
  ASSERT_TRUE(exporter);
  for (int i = 0; i < 3; ++i) {
    const std::string text = RenderText(exporter->Scrape({}));
    for (int n = 1; n <= 3; ++n) {
      const std::string db = "tenant_" + std::to_string(n);
      EXPECT_NE(text.find("it_accounts{database=\"" + db + "\"} " + std::to_string(n * 10) + "\n"),
                std::string::npos)
          << text;
      EXPECT_NE(text.find("replica_sql_query_success{query=\"accounts\",database=\"" + db + "\"} 1"),
                std::string::npos)
          << text;
    }
    // The configured database's query runs in shop, whatever ran before it.
    EXPECT_NE(text.find("replica_sql_query_success{query=\"count\"} 1"), std::string::npos) << text;
    EXPECT_NE(text.find("replica_sql_up 1"), std::string::npos) << text;
  }
}

TEST_P(FanOutTest, AMissingOrForbiddenDatabaseFailsAloneAndTheOthersServe) {
  CreateTenant("rse_private", 7, /*allowed=*/false);
  auto exporter = MakeExporter(AccountsQuery(
      "databases = [\"tenant_1\", \"rse_no_such_db\", \"rse_private\", \"tenant_2\"]\n"));
  ASSERT_TRUE(exporter);
  std::string text;
  for (int i = 0; i < 2; ++i) text = RenderText(exporter->Scrape({}));
  EXPECT_NE(text.find("it_accounts{database=\"tenant_1\"} 10\n"), std::string::npos) << text;
  EXPECT_NE(text.find("it_accounts{database=\"tenant_2\"} 20\n"), std::string::npos) << text;
  for (const char* db : {"rse_no_such_db", "rse_private"}) {
    EXPECT_NE(text.find(std::string("replica_sql_query_success{query=\"accounts\",database=\"") +
                        db + "\"} 0"),
              std::string::npos)
        << db << "\n" << text;
    EXPECT_NE(text.find(std::string("reason=\"connection\",database=\"") + db + "\"} 2"),
              std::string::npos)
        << db << " counted once per scrape\n" << text;
    EXPECT_EQ(text.find(std::string("it_accounts{database=\"") + db), std::string::npos) << text;
  }
  EXPECT_NE(text.find("replica_sql_up 1"), std::string::npos) << text;
  EXPECT_EQ(text.find("replica_sql_replica_up{replica=\"" + env().replicas[0].ToString() + "\"} 0"),
            std::string::npos)
      << "a database's failure is no verdict on the replica:\n" << text;
  DropTenant("rse_private");
}

TEST_P(FanOutTest, ADatabasesQueryPicksUpANewDatabaseAndDropsAGoneOne) {
  DropTenant("tenant_9");
  auto exporter = MakeExporter(AccountsQuery("databases_query = \"" + TenantsQuery() + "\"\n"));
  ASSERT_TRUE(exporter);
  std::string text = RenderText(exporter->Scrape({}));
  for (int n = 1; n <= 5; ++n) {
    EXPECT_NE(text.find("it_accounts{database=\"tenant_" + std::to_string(n) + "\"} " +
                        std::to_string(n * 10) + "\n"),
              std::string::npos)
        << text;
  }
  EXPECT_EQ(text.find("tenant_9"), std::string::npos) << text;
  CreateTenant("tenant_9", 90);
  text = RenderText(exporter->Scrape({}));
  EXPECT_NE(text.find("it_accounts{database=\"tenant_9\"} 90\n"), std::string::npos) << text;
  DropTenant("tenant_9");
  text = RenderText(exporter->Scrape({}));
  EXPECT_EQ(text.find("tenant_9"), std::string::npos) << "dropped with its series:\n" << text;
  EXPECT_NE(text.find("it_accounts{database=\"tenant_5\"} 50\n"), std::string::npos) << text;
}

TEST_P(FanOutTest, EightConcurrentScrapesOverFiveDatabasesStayWithinTheConnectionCap) {
  auto exporter = MakeExporter(
      AccountsQuery("databases_query = \"" + TenantsQuery() + "\"\nmax_concurrent_databases = 3\n") +
          kCountQuery,
      {}, "[pool]\nconnections_per_replica = 2\n");
  ASSERT_TRUE(exporter);
  std::atomic<bool> done = false;
  std::atomic<int> most = 0, polls = 0;
  std::thread watcher([&] {
    while (!done) {
      for (int sessions : SessionsPerReplica()) most = std::max(most.load(), sessions);
      ++polls;
    }
  });
  std::atomic<int> complete = 0;
  std::vector<std::thread> scrapers;
  for (int t = 0; t < 8; ++t) {
    scrapers.emplace_back([&] {
      for (int i = 0; i < 5; ++i) {
        const std::string text = RenderText(exporter->Scrape({}));
        int good = 0;
        for (int n = 1; n <= 5; ++n) {
          good += text.find("replica_sql_query_success{query=\"accounts\",database=\"tenant_" +
                            std::to_string(n) + "\"} 1") != std::string::npos;
        }
        if (good == 5) ++complete;
      }
    });
  }
  for (std::thread& scraper : scrapers) scraper.join();
  done = true;
  watcher.join();
  EXPECT_GT(polls.load(), 0);
  EXPECT_LE(most.load(), 2) << "sessions of the exporter on one replica, at most";
  EXPECT_GT(most.load(), 0);
  EXPECT_EQ(complete.load(), 40) << "every scrape served all five databases";
  std::cout << "[ figures ] " << env().name << ": 8 threads x 5 scrapes over 5 databases, cap 2: "
            << complete.load() << "/40 complete, at most " << most.load()
            << " sessions on a replica (" << polls.load() << " polls)\n";
}

TEST_P(FanOutTest, TheShippedExampleServesEveryTenantUnderItsLabel) {
  auto example = ReadFile(std::string(RSE_SOURCE_DIR) + "/queries/tenants/accounts.toml");
  ASSERT_TRUE(example.ok()) << example.status().message();
  auto exporter = MakeExporter(*example);
  ASSERT_TRUE(exporter);
  const std::string text = RenderText(exporter->Scrape({}));
  for (int n = 1; n <= 5; ++n) {
    const std::string tenant = "tenant_" + std::to_string(n);
    // tenant_N: N*10 accounts, every third "pro".
    EXPECT_NE(text.find("tenant_accounts{tenant=\"" + tenant + "\",plan=\"pro\"} " +
                        std::to_string(n * 10 / 3) + "\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("replica_sql_query_success{query=\"tenant_accounts\",database=\"" + tenant +
                        "\"} 1"),
              std::string::npos)
        << text;
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, FanOutTest, ::testing::ValuesIn(testing::AllEnvs()),
                         [](const auto& info) { return info.param->name; });

}  // namespace
}  // namespace rse::testing
