// The exporter behind what production puts in front of replicas, started by
// scripts/cluster/proxies.sh: PgBouncer in each pooling mode (default settings)
// in front of a PostgreSQL replica, and HAProxy (TCP, round-robin per
// connection) over the primary AND both replicas of each engine. The servers'
// own statement logs prove no business statement ever ran on the primary.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>

#include "app/exporter.h"
#include "db_env.h"
#include "exposition/text_format.h"
#include "tcp_proxy.h"
#include "testing/subprocess.h"
#include "topology_fixture.h"

namespace rse::testing {
namespace {

void ExpectGuardsHeld(const std::string& text, bool pg) {
  EXPECT_TRUE(Has(text, "topo_guard_lock_s 5")) << "lock_timeout 5s: " << text;
  EXPECT_TRUE(Has(text, "topo_guard_ro 1")) << "read-only: " << text;
  EXPECT_TRUE(Has(text, "topo_guard_utc 1")) << "UTC: " << text;
  (void)pg;
}

TEST_F(TopologyTest, PostgresBehindPgBouncerInEveryPoolingModeWithItsDefaultSettings) {
  const ClusterEnv& env = PostgresEnv();
  WaitReplicasCaughtUp(env);
  for (auto [mode, port] : {std::pair{"pgbouncer-session", kPgBouncerSession},
                            {"pgbouncer-transaction", kPgBouncerTransaction},
                            {"pgbouncer-statement", kPgBouncerStatement}}) {
    SCOPED_TRACE(mode);
    auto exporter =
        MakeExporter(env, port, std::string("pooler = \"") + mode + "\"\n", Catalog(true));
    ASSERT_NE(exporter, nullptr);
    for (int i = 0; i < 10; ++i) {
      const std::string text = RenderText(exporter->Scrape({}));
      ASSERT_TRUE(Has(text, "replica_sql_up 1")) << text << log_.str();
      for (const char* q : {"topo_q1", "topo_q2", "topo_q3", "topo_guards"})
        ASSERT_TRUE(Has(text, std::string("replica_sql_query_success{query=\"") + q + "\"} 1"))
            << q << "\n" << text;
      ExpectGuardsHeld(text, true);
    }
  }
}

// Statement pooling: no transaction of ours spans two statements, so the
// role's defaults are the last guard; a role without them is pointed out once
// per member, a role with them is not.
TEST_F(TopologyTest, PostgresBehindPgBouncerInStatementModeTheRoleDefaultsAreChecked) {
  const ClusterEnv& env = PostgresEnv();
  auto scrape_once = [&](const std::string& database) {
    log_.str("");
    std::ostringstream text;
    text << "[cluster]\nname = \"shop\"\nengine = \"postgres\"\ndatabase = \"" << database
         << "\"\nuser = \"exporter\"\npassword_env = \"RSE_IT_PASSWORD\"\n"
         << "tls_mode = \"disable\"\nreplicas = [\"127.0.0.1:" << kPgBouncerStatement << "\"]\n"
         << "pooler = \"pgbouncer-statement\"\n";
    setenv("RSE_IT_PASSWORD", env.password.c_str(), 1);
    auto config = ParseExporterConfig(text.str(), "statement.toml", ".");
    EXPECT_TRUE(config.ok()) << config.status().message();
    auto catalog = ParseQueryCatalog(
        {{"q.toml", "[[query]]\nname = \"one\"\nsql = \"SELECT 1 AS v\"\n"
                    "[[query.metrics]]\nname = \"one\"\nhelp = \"h\"\nvalue = \"v\"\n"}});
    EXPECT_TRUE(config.ok() && catalog.ok());
    if (!config.ok() || !catalog.ok()) return std::string();
    auto exporter = Exporter::Create(*config, *catalog, &logger_, DefaultClock());
    EXPECT_TRUE(exporter.ok()) << exporter.status().message();
    if (!exporter.ok()) return std::string();
    for (int i = 0; i < 3; ++i) {
      const std::string out = RenderText((*exporter)->Scrape({}));
      EXPECT_TRUE(Has(out, "replica_sql_query_success{query=\"one\"} 1")) << out << log_.str();
    }
    return log_.str();
  };
  std::string log = scrape_once("shop");  // The test role has no such default in "shop".
  size_t first = log.find("default_transaction_read_only is off");
  EXPECT_NE(first, std::string::npos) << log;
  EXPECT_EQ(log.find("default_transaction_read_only is off", first + 1), std::string::npos)
      << "once per member, not per session: " << log;
  EXPECT_NE(log.find("ALTER ROLE <exporter role> SET default_transaction_read_only = on"),
            std::string::npos) << log;
  // A database of its own, where the role has the default (PgBouncer opens
  // server sessions for it after the setting, which applies at their start).
  if (AdminQuery(env, env.primary,
                 "SELECT 1 FROM pg_database WHERE datname = 'rse_statement_mode'").empty())
    AdminExec(env, env.primary, "CREATE DATABASE rse_statement_mode");
  AdminExec(env, env.primary,
            "ALTER ROLE exporter IN DATABASE rse_statement_mode "
            "SET default_transaction_read_only = on");
  WaitReplicasCaughtUp(env);
  log = scrape_once("rse_statement_mode");
  EXPECT_EQ(log.find("default_transaction_read_only"), std::string::npos) << log;
}

TEST_F(TopologyTest, PostgresBehindPgBouncerWithoutPoolerSaysWhatToSet) {
  const ClusterEnv& env = PostgresEnv();
  auto exporter = MakeExporter(env, kPgBouncerTransaction, "", Catalog(true));
  ASSERT_NE(exporter, nullptr);
  const std::string text = RenderText(exporter->Scrape({}));
  EXPECT_TRUE(Has(text, "replica_sql_up 0")) << text;
  EXPECT_NE(log_.str().find("set [cluster] pooler to its pool_mode"), std::string::npos)
      << log_.str();
}

TEST_F(TopologyTest, PostgresBehindPgBouncerADeadlineStillCancelsOnTheServer) {
  const ClusterEnv& env = PostgresEnv();
  const std::string sleep =
      "[[query]]\nname = \"slow\"\nsql = \"SELECT 1 AS v FROM pg_sleep(3)\"\ntimeout = \"1s\"\n"
      "[[query.metrics]]\nname = \"slow_value\"\nhelp = \"h\"\nvalue = \"v\"\n";
  for (auto [mode, port] : {std::pair{"pgbouncer-transaction", kPgBouncerTransaction},
                            {"pgbouncer-statement", kPgBouncerStatement}}) {
    SCOPED_TRACE(mode);
    auto exporter = MakeExporter(env, port, std::string("pooler = \"") + mode + "\"\n", sleep);
    ASSERT_NE(exporter, nullptr);
    const auto start = std::chrono::steady_clock::now();
    const std::string text = RenderText(exporter->Scrape({}));
    EXPECT_TRUE(Has(text, "replica_sql_query_success{query=\"slow\"} 0")) << text;
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2500ms);
    // Gone from the replica behind PgBouncer within the grace period.
    EXPECT_TRUE(Eventually(
        [&] {
          auto rows = AdminQuery(env, env.replicas[0],
                                 "SELECT count(*) FROM pg_stat_activity WHERE usename = 'exporter' "
                                 "AND state = 'active' AND query LIKE '%pg_sleep(3)%'");
          return !rows.empty() && rows[0][0] == "0";
        },
        1500ms));
  }
}

// The statement log of the primary: PostgreSQL logs each completed statement
// of the exporter role (log_min_duration_statement = 0, a "duration:" line);
// MariaDB's general log (as a table) every statement it received.
class PrimaryStatementLog {
 public:
  explicit PrimaryStatementLog(const ClusterEnv& env) : env_(env) {
    if (pg()) {
      AdminExec(env_, env_.primary, "ALTER ROLE exporter SET log_min_duration_statement = 0");
      std::ifstream in(PostgresLogPath("primary"), std::ios::ate);
      offset_ = in.tellg();
    } else {
      AdminExec(env_, env_.primary, "SET GLOBAL log_output = 'TABLE'");
      AdminExec(env_, env_.primary, "SET GLOBAL general_log = 1");
      before_ = MariadbCount();
    }
  }
  ~PrimaryStatementLog() {
    if (pg())
      AdminExec(env_, env_.primary, "ALTER ROLE exporter RESET log_min_duration_statement");
    else
      AdminExec(env_, env_.primary, "SET GLOBAL general_log = 0");
  }

  // Business statements (carrying the marker) the primary ran since the start.
  int BusinessStatements() {
    if (!pg()) return MariadbCount() - before_;
    std::ifstream in(PostgresLogPath("primary"));
    in.seekg(offset_);
    int count = 0;
    for (std::string line; std::getline(in, line);)
      count += line.find("duration:") != std::string::npos && line.find(kMarker) != std::string::npos;
    return count;
  }

 private:
  bool pg() const { return env_.engine == Engine::kPostgres; }
  int MariadbCount() {
    // The pattern is built so that this statement does not count itself.
    auto rows = AdminQuery(env_, env_.primary,
                           "SELECT count(*) FROM mysql.general_log WHERE user_host LIKE "
                           "'exporter%' AND argument LIKE CONCAT('%rse_topology', '_marker%')");
    return rows.empty() ? -1 : std::stoi(rows[0][0]);
  }

  const ClusterEnv& env_;
  std::streamoff offset_ = 0;
  int before_ = 0;
};

class LoadBalancerTest : public TopologyTest,
                         public ::testing::WithParamInterface<const ClusterEnv*> {};

TEST_P(LoadBalancerTest, BehindABalancerThatStillListsThePrimaryNothingRunsOnThePrimary) {
  const ClusterEnv& env = *GetParam();
  const bool pg = env.engine == Engine::kPostgres;
  WaitReplicasCaughtUp(env);
  PrimaryStatementLog primary_log(env);
  auto exporter = MakeExporter(env, pg ? kHaproxyPostgres : kHaproxyMariadb,
                               "members_are = \"load_balancers\"\n", Catalog(pg));
  ASSERT_NE(exporter, nullptr);
  constexpr int kScrapes = 200;
  int served = 0;
  std::string last;
  for (int i = 0; i < kScrapes; ++i) {
    last = RenderText(exporter->Scrape({}));
    served += Has(last, "replica_sql_up 1") &&
              Has(last, "replica_sql_query_success{query=\"topo_q3\"} 1");
  }
  const int on_primary = primary_log.BusinessStatements();
  std::cerr << env.name << ": " << served << " of " << kScrapes << " scrapes served, "
            << on_primary << " business statements on the primary\n";
  EXPECT_EQ(on_primary, 0) << "the primary's own statement log";
  EXPECT_EQ(served, kScrapes) << last << log_.str();
  EXPECT_EQ(log_.str().find("replica skipped"), std::string::npos)
      << "the address is never judged a primary: " << log_.str();
  EXPECT_NE(last.find("replica_sql_replica_sessions_rejected_total{replica=\"127.0.0.1:"),
            std::string::npos);
}

// Told nothing, the exporter sees the balancer: sessions to one address that
// report different servers (inet_server_addr:port, @@server_id). Until then a
// session on the primary is refused; afterwards each session is judged on its
// own and the address serves. Nothing ever runs on the primary.
TEST_P(LoadBalancerTest, AsServersTheBalancerIsSeenByTheServersItReachesAndServes) {
  const ClusterEnv& env = *GetParam();
  const bool pg = env.engine == Engine::kPostgres;
  WaitReplicasCaughtUp(env);
  PrimaryStatementLog primary_log(env);
  auto exporter =
      MakeExporter(env, pg ? kHaproxyPostgres : kHaproxyMariadb, "", Catalog(pg));
  ASSERT_NE(exporter, nullptr);
  const auto give_up = std::chrono::steady_clock::now() + 20s;
  while (log_.str().find("it is a load balancer") == std::string::npos &&
         std::chrono::steady_clock::now() < give_up)
    RenderText(exporter->Scrape({}));
  ASSERT_NE(log_.str().find("it is a load balancer"), std::string::npos) << log_.str();
  int served = 0;
  std::string last;
  for (int i = 0; i < 30; ++i) {
    last = RenderText(exporter->Scrape({}));
    served += Has(last, "replica_sql_up 1") &&
              Has(last, "replica_sql_query_success{query=\"topo_q3\"} 1");
  }
  EXPECT_EQ(served, 30) << last << log_.str();
  EXPECT_EQ(primary_log.BusinessStatements(), 0) << "the primary's own statement log";
}

INSTANTIATE_TEST_SUITE_P(Engines, LoadBalancerTest, ::testing::ValuesIn(AllEnvs()),
                         [](const auto& info) { return info.param->name; });

}  // namespace
}  // namespace rse::testing
