// Operations against the real clusters, both engines: a reload keeps what an
// unchanged query and an unchanged cluster had; --dry-run runs every query
// once on a healthy replica and says which failed; 200 concurrent scrapes
// stay within the connection cap.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "scrape_fixture.h"
#include "testing/subprocess.h"

namespace rse::testing {
namespace {

// The value of the first sample line starting with `series` (name and labels), or -1.
double ValueOf(const std::string& body, const std::string& series) {
  size_t at = body.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(body.substr(at + series.size() + 2));
}

class OperationsTest : public ScrapeTest {
 protected:
  std::string ConfigText() const {
    return "[scrape]\ntimeout = \"5s\"\n[cluster]\nname = \"shop\"\nengine = \"" +
           std::string(pg() ? "postgres" : "mysql") +
           "\"\ndatabase = \"shop\"\nuser = \"exporter\"\npassword_env = \"RSE_IT_PASSWORD\"\n"
           "tls_mode = \"disable\"\nreplicas = [\"" +
           env().replicas[0].ToString() + "\", \"" + env().replicas[1].ToString() + "\"]\n";
  }
  std::string Query(const std::string& name, const std::string& sql,
                    const std::string& extra = "") const {
    return "[[query]]\nname = \"" + name + "\"\nsql = \"" + sql + "\"\n" + extra +
           "[[query.metrics]]\nname = \"it_" + name + "\"\nhelp = \"h\"\nvalue = \"v\"\n";
  }
  std::string Scrape(Exporter& exporter) { return RenderText(exporter.Scrape(ScrapeRequest{})); }
};

TEST_P(OperationsTest, AReloadKeepsTheCacheAndCountersOfUnchangedQueriesAndThePool) {
  const std::string cached = Query("cached", "SELECT 7 AS v", "cache = \"1h\"\n");
  const std::string broken = Query("broken", "SELECT v FROM no_such_table");
  auto exporter = MakeExporter(cached + broken);
  ASSERT_TRUE(exporter);
  std::string first = Scrape(*exporter);
  ASSERT_EQ(ValueOf(first, "it_cached"), 7) << first;
  ASSERT_EQ(ValueOf(first, "replica_sql_query_errors_total{query=\"broken\",reason=\"sql\"}"), 1)
      << first;

  auto config = ParseExporterConfig(ConfigText(), "it.toml", ".");
  ASSERT_TRUE(config.ok()) << config.status().message();
  // Same two queries (written elsewhere in the file), one new one.
  auto catalog = ParseQueryCatalog(
      {{"it_queries.toml", "# moved down a line\n" + cached + broken +
                               Query("added", "SELECT 1 AS v")}});
  ASSERT_TRUE(catalog.ok()) << catalog.status().message();
  Exporter::ReloadSummary summary;
  ASSERT_TRUE(exporter->Reload(*config, *catalog, &summary).ok());
  EXPECT_EQ(summary.queries, 3u);
  EXPECT_EQ(summary.queries_kept, 2u);
  EXPECT_TRUE(summary.pool_kept) << "same [cluster] and [pool]: connections kept";

  std::string after = Scrape(*exporter);
  EXPECT_EQ(ValueOf(after, "it_added"), 1) << after;
  EXPECT_EQ(ValueOf(after, "it_cached"), 7);
  // The cached result is the one from before the reload, not a new run.
  EXPECT_GE(ValueOf(after, "replica_sql_query_cache_age_seconds{query=\"cached\"}"),
            ValueOf(first, "replica_sql_query_cache_age_seconds{query=\"cached\"}"));
  EXPECT_EQ(ValueOf(after, "replica_sql_query_errors_total{query=\"broken\",reason=\"sql\"}"), 2)
      << "the counter went on from 1";

  // A changed definition starts afresh.
  auto changed = ParseQueryCatalog({{"it_queries.toml", Query("cached", "SELECT 8 AS v",
                                                              "cache = \"1h\"\n")}});
  ASSERT_TRUE(changed.ok());
  ASSERT_TRUE(exporter->Reload(*config, *changed, &summary).ok());
  EXPECT_EQ(summary.queries_kept, 0u);
  EXPECT_EQ(ValueOf(Scrape(*exporter), "it_cached"), 8);
}

TEST_P(OperationsTest, AReloadThatDropsAReplicaKeepsTheOtherOnesSessions) {
  auto exporter = MakeExporter(Query("one", "SELECT 1 AS v"));
  ASSERT_TRUE(exporter);
  for (int i = 0; i < 4; ++i) ASSERT_EQ(ValueOf(Scrape(*exporter), "it_one"), 1);
  std::string text = ConfigText();
  const std::string both = "replicas = [\"" + env().replicas[0].ToString() + "\", \"" +
                           env().replicas[1].ToString() + "\"]";
  ASSERT_NE(text.find(both), std::string::npos);
  text.replace(text.find(both), both.size(),
               "replicas = [\"" + env().replicas[1].ToString() + "\"]");
  auto config = ParseExporterConfig(text, "it.toml", ".");
  ASSERT_TRUE(config.ok()) << config.status().message();
  auto catalog = ParseQueryCatalog({{"q.toml", Query("one", "SELECT 1 AS v")}});
  Exporter::ReloadSummary summary;
  ASSERT_TRUE(exporter->Reload(*config, *catalog, &summary).ok());
  EXPECT_FALSE(summary.pool_kept);
  EXPECT_EQ(summary.members_kept, 1u);
  std::string after = Scrape(*exporter);
  EXPECT_EQ(ValueOf(after, "it_one"), 1);
  // Its scrape counter went on: the member's state carried over.
  EXPECT_GE(ValueOf(after, "replica_sql_replica_scrapes_total{replica=\"" +
                               env().replicas[1].ToString() + "\"}"),
            2);
  EXPECT_EQ(after.find("replica=\"" + env().replicas[0].ToString() + "\""), std::string::npos)
      << "the dropped member is gone";
}

TEST_P(OperationsTest, AReloadWithOtherReplicasMakesANewPool) {
  auto exporter = MakeExporter(Query("one", "SELECT 1 AS v"));
  ASSERT_TRUE(exporter);
  auto config = ParseExporterConfig(ConfigText() + "max_replication_lag = \"1m\"\n", "it.toml", ".");
  ASSERT_TRUE(config.ok()) << config.status().message();
  auto catalog = ParseQueryCatalog({{"q.toml", Query("one", "SELECT 1 AS v")}});
  Exporter::ReloadSummary summary;
  ASSERT_TRUE(exporter->Reload(*config, *catalog, &summary).ok());
  EXPECT_FALSE(summary.pool_kept);
  EXPECT_EQ(ValueOf(Scrape(*exporter), "it_one"), 1);
}

TEST_P(OperationsTest, DryRunPrintsTheExpositionAndSaysWhichQueryFailed) {
  char dir_template[] = "/tmp/rse_dryrunXXXXXX";
  const std::string dir = mkdtemp(dir_template);
  setenv("RSE_IT_PASSWORD", env().password.c_str(), 1);
  {
    std::ofstream(dir + "/exporter.toml") << ConfigText() << "[queries]\nfiles = [\"q.toml\"]\n";
    std::ofstream(dir + "/q.toml") << Query("good", "SELECT 42 AS v")
                                   << "[[query]]\nname = \"grouped\"\ngroup = \"hourly\"\n"
                                      "sql = \"SELECT 7 AS v\"\n[[query.metrics]]\n"
                                      "name = \"it_grouped\"\nhelp = \"h\"\nvalue = \"v\"\n";
  }
  auto ok = RunCommand({RSE_EXPORTER_BINARY, "--dry-run", "--config.file=" + dir + "/exporter.toml"},
                       dir);
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_NE(ok.output.find("\nit_good 42\n"), std::string::npos) << ok.output;
  EXPECT_NE(ok.output.find("served by replica"), std::string::npos) << ok.output;
  EXPECT_NE(ok.output.find("\nit_grouped 7\n"), std::string::npos) << "every group runs: " << ok.output;
  EXPECT_NE(ok.output.find("2 of 2 queries succeeded"), std::string::npos) << ok.output;

  std::ofstream(dir + "/q.toml") << Query("good", "SELECT 42 AS v")
                                 << Query("bad", "SELECT v FROM no_such_table");
  auto failed = RunCommand(
      {RSE_EXPORTER_BINARY, "--dry-run", "--config.file=" + dir + "/exporter.toml"}, dir);
  EXPECT_EQ(failed.exit_code, 1) << failed.output;
  EXPECT_NE(failed.output.find("FAILED"), std::string::npos) << failed.output;
  EXPECT_NE(failed.output.find("no_such_table"), std::string::npos) << "the error is shown";
  EXPECT_NE(failed.output.find("1 of 2 queries succeeded"), std::string::npos) << failed.output;
  std::filesystem::remove_all(dir);
}

// A wrong password must not become a login storm (account lockouts, audit
// noise): a member that refuses the login is retried only after its backoff.
// Refused logins as each server counts them: MariaDB in Aborted_connects,
// PostgreSQL (no counter) as "password authentication failed" lines in its
// own log, which it writes for every refused login by default.
class LoginBackoffTest : public OperationsTest {
 protected:
  int RefusedLogins(size_t replica) {
    if (env().engine == Engine::kMysql) {
      auto rows = AdminQuery(env(), env().replicas[replica], "SHOW GLOBAL STATUS LIKE 'Aborted_connects'");
      return rows.empty() ? -1 : std::stoi(rows[0][1]);
    }
    std::ifstream log(PostgresLogPath("replica" + std::to_string(replica + 1)));
    int refused = 0;
    for (std::string line; std::getline(log, line);)
      refused += line.find("password authentication failed for user \"" + env().user + "\"") !=
                 std::string::npos;
    return refused;
  }
};

TEST_P(LoginBackoffTest, AWrongPasswordIsRetriedWithBackoffNotOnEveryScrape) {
  const int before0 = RefusedLogins(0), before1 = RefusedLogins(1);
  ASSERT_GE(before0, 0);
  ASSERT_GE(before1, 0);
  setenv("RSE_IT_WRONG_PASSWORD", "not-the-password", 1);
  std::string text = ConfigText();
  text.replace(text.find("RSE_IT_PASSWORD"), 15, "RSE_IT_WRONG_PASSWORD");
  auto config = ParseExporterConfig(text, "it.toml", ".");
  ASSERT_TRUE(config.ok()) << config.status().message();
  auto catalog = ParseQueryCatalog({{"q.toml", Query("one", "SELECT 1 AS v")}});
  auto exporter = Exporter::Create(*config, *catalog, &logger_, DefaultClock());
  ASSERT_TRUE(exporter.ok()) << exporter.status().message();
  int up = 0;
  for (int i = 0; i < 30; ++i) up += ValueOf(Scrape(**exporter), "replica_sql_up") == 1;
  EXPECT_EQ(up, 0);
  // PostgreSQL writes the line as the login is refused; give the log a moment.
  int logins = 0;
  Eventually(
      [&] {
        logins = (RefusedLogins(0) - before0) + (RefusedLogins(1) - before1);
        return logins >= 2;
      },
      std::chrono::seconds(5));
  // Startup check + first scrape: about one refused login per member (the
  // driver may try twice, e.g. libpq with and without TLS); 30 scrapes in a
  // row add none while backing off.
  EXPECT_LE(logins, 8) << "refused logins for 30 scrapes";
  EXPECT_GE(logins, 2) << "the test did try to log in";
  std::cout << "[ figures ] " << env().name << ", wrong password, 30 scrapes: " << logins
            << " refused logins\n";
}

INSTANTIATE_TEST_SUITE_P(Engines, LoginBackoffTest, ::testing::ValuesIn(testing::AllEnvs()),
                         [](const auto& info) { return info.param->name; });
INSTANTIATE_TEST_SUITE_P(Engines, OperationsTest, ::testing::ValuesIn(testing::AllEnvs()),
                         [](const auto& info) { return info.param->name; });

}  // namespace
}  // namespace rse::testing

namespace rse::testing {
namespace {

// 200 scrapes at once through the built binary: every one answered, and the
// database sessions of the exporter never above connections_per_replica per
// replica (plus one side connection for a cancel), whatever the HTTP load.
TEST_P(OperationsTest, TwoHundredConcurrentScrapesStayWithinTheConnectionCap) {
  char dir_template[] = "/tmp/rse_concurrentXXXXXX";
  const std::string dir = mkdtemp(dir_template);
  setenv("RSE_IT_PASSWORD", env().password.c_str(), 1);
  std::ofstream(dir + "/exporter.toml")
      << "[web]\nlisten_address = \"127.0.0.1:0\"\n" << ConfigText()
      << "[pool]\nconnections_per_replica = 2\n[queries]\nfiles = [\"" << RSE_SOURCE_DIR
      << "/queries/shop/*.toml\"]\n";
  // Sessions of this exporter only: those of the role already open (PgBouncer
  // keeps server sessions of earlier tests idle for minutes) are left out.
  const std::string of_role = pg() ? "FROM pg_stat_activity WHERE usename = 'exporter'"
                                   : "FROM information_schema.processlist WHERE user = 'exporter'";
  const std::string id = pg() ? "pid" : "id";
  std::map<std::string, std::string> before;  // member -> "(id, id, ...)"
  for (const HostPort& member : env().replicas) {
    std::string ids = "(0";
    for (const auto& row : AdminQuery(env(), member, "SELECT " + id + " " + of_role))
      ids += "," + row[0];
    before[member.ToString()] = ids + ")";
  }
  BackgroundProcess exporter({RSE_EXPORTER_BINARY, "--config.file=" + dir + "/exporter.toml"}, dir);
  std::string log;
  ASSERT_TRUE(exporter.WaitForLog("starting replica_sql_exporter", 15000, &log)) << log;
  std::smatch port_match;
  ASSERT_TRUE(std::regex_search(log, port_match, std::regex(" port=(\\d+)"))) << log;
  const int port = std::stoi(port_match[1]);

  auto sessions = [&](const HostPort& member) {
    auto rows = AdminQuery(env(), member, "SELECT count(*) " + of_role + " AND " + id +
                                              " NOT IN " + before[member.ToString()]);
    return rows.empty() ? -1 : std::stoi(rows[0][0]);
  };
  std::atomic<bool> done = false;
  std::atomic<int> most = 0;
  std::thread watcher([&] {
    while (!done) {
      for (const HostPort& member : env().replicas) {
        int n = sessions(member);
        int seen = most.load();
        while (n > seen && !most.compare_exchange_weak(seen, n)) {
        }
      }
    }
  });
  std::atomic<int> answered = 0, up = 0;
  std::vector<std::thread> scrapers;
  for (int i = 0; i < 200; ++i) {
    scrapers.emplace_back([&] {
      httplib::Client client("127.0.0.1", port);
      client.set_read_timeout(15, 0);
      auto res = client.Get("/metrics", {{"X-Prometheus-Scrape-Timeout-Seconds", "10"}});
      if (res && res->status == 200) {
        ++answered;
        if (res->body.find("\nreplica_sql_up 1\n") != std::string::npos) ++up;
      }
    });
  }
  for (std::thread& t : scrapers) t.join();
  done = true;
  watcher.join();
  EXPECT_EQ(answered.load(), 200);
  EXPECT_EQ(up.load(), 200) << "a busy pool is never reported as no healthy replica";
  EXPECT_LE(most.load(), 2 + 1) << "sessions on one replica at the busiest moment";
  EXPECT_GE(most.load(), 1);
  std::cout << "[ figures ] 200 concurrent scrapes: " << answered << " answered, " << up
            << " with replica_sql_up 1, at most " << most << " sessions on one replica\n";
  EXPECT_EQ(exporter.StopWith(SIGTERM, 10000), 0);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace rse::testing
