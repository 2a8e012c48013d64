// Consistent snapshots against the real replicas, both engines: with a writer
// inserting on the primary throughout, a total from one query equals the sum
// of another's breakdown on every scrape when both run in one snapshot, and
// not when they run apart; inside a snapshot a failing query fails alone and
// each query's settings stay its own.
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>

#include "exposition/text_format.h"
#include "scrape_fixture.h"

namespace rse::testing {
namespace {

class SnapshotTest : public ScrapeTest {
 protected:
  // A table on the primary that a writer fills while the test scrapes.
  void SetUp() override {
    AdminExec(env(), env().primary, "DROP TABLE IF EXISTS rse_snapshot_rows");
    AdminExec(env(), env().primary,
              pg() ? "CREATE TABLE rse_snapshot_rows (id serial PRIMARY KEY, status text)"
                   : "CREATE TABLE rse_snapshot_rows (id int AUTO_INCREMENT PRIMARY KEY, "
                     "status varchar(16)) ENGINE=InnoDB");
    ScrapeTest::SetUp();  // Waits until the replicas have the table.
  }
  void TearDown() override { AdminExec(env(), env().primary, "DROP TABLE IF EXISTS rse_snapshot_rows"); }

  // Inserts rows of three statuses on the primary until stopped.
  class Writer {
   public:
    explicit Writer(const ClusterEnv& env)
        : thread_([this, &env] {
            const char* statuses[] = {"new", "paid", "shipped"};
            for (int i = 0; !stop_; ++i) {
              AdminExec(env, env.primary,
                        std::string("INSERT INTO rse_snapshot_rows (status) VALUES ('") +
                            statuses[i % 3] + "'), ('" + statuses[(i + 1) % 3] + "')");
              ++batches_;
            }
          }) {}
    ~Writer() {
      stop_ = true;
      thread_.join();
    }
    int batches() const { return batches_; }

   private:
    std::atomic<bool> stop_ = false;
    std::atomic<int> batches_ = 0;
    std::thread thread_;
  };

  // "total" counts the rows and then pauses 0.2 s, so that a query run after
  // it outside a snapshot sees the writer's newer rows; "by_status" breaks the
  // rows down. Both in snapshot "orders" when `snapshot`.
  std::string Catalog(bool snapshot) const {
    const std::string in = snapshot ? "snapshot = \"orders\"\n" : "";
    const std::string total =
        pg() ? "SELECT count(*) AS total FROM rse_snapshot_rows, pg_sleep(0.2)"
             : "SELECT COUNT(*) + SLEEP(0.2) AS total FROM rse_snapshot_rows";
    return "[[query]]\nname = \"total\"\nsql = \"" + total + "\"\n" + in +
           "[[query.metrics]]\nname = \"snap_total\"\nhelp = \"h\"\nvalue = \"total\"\n"
           "[[query]]\nname = \"by_status\"\nsql = \"SELECT status, count(*) AS n FROM "
           "rse_snapshot_rows GROUP BY status\"\n" +
           in +
           "[[query.metrics]]\nname = \"snap_by_status\"\nhelp = \"h\"\nlabels = "
           "[\"status\"]\nvalue = \"n\"\n";
  }

  // The total and the sum of the breakdown in one scrape's text.
  static std::pair<double, double> TotalAndSum(const std::string& text) {
    double total = -1, sum = 0;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("snap_total ", 0) == 0) total = std::stod(line.substr(11));
      if (line.rfind("snap_by_status{", 0) == 0) sum += std::stod(line.substr(line.rfind(' ') + 1));
    }
    return {total, sum};
  }
};

TEST_P(SnapshotTest, ATotalEqualsItsBreakdownOnEveryScrapeInASnapshotAndNotApart) {
  Writer writer(env());
  ASSERT_TRUE(Eventually([&] { return writer.batches() > 5; }));
  // One query at a time, so that apart, "by_status" runs after "total".
  const std::string sequential = "max_concurrent_queries = 1\n";
  auto together = MakeExporter(Catalog(true), {}, sequential);
  auto apart = MakeExporter(Catalog(false), {}, sequential);
  ASSERT_TRUE(together && apart);
  constexpr int kScrapes = 15;
  int mismatches_apart = 0;
  double last_total = 0;
  for (int i = 0; i < kScrapes; ++i) {
    const std::string text = RenderText(together->Scrape({}));
    const auto [total, sum] = TotalAndSum(text);
    ASSERT_GT(total, 0) << text;
    EXPECT_EQ(total, sum) << "scrape " << i << " in one snapshot:\n" << text;
    EXPECT_GE(total, last_total);
    last_total = total;
    const auto [apart_total, apart_sum] = TotalAndSum(RenderText(apart->Scrape({})));
    if (apart_total != apart_sum) ++mismatches_apart;
  }
  EXPECT_GT(last_total, 0);
  EXPECT_GT(mismatches_apart, 0) << "apart, the writer's rows must show between the two queries";
  std::cout << "[ figures ] " << env().name << ": " << kScrapes
            << " scrapes under a writer: total == sum(by_status) on every one in a snapshot; apart "
            << mismatches_apart << " of " << kScrapes << " disagreed\n";
}

TEST_P(SnapshotTest, InASnapshotAFailingQueryFailsAloneAndSettingsStayWithTheirQuery) {
  const std::string read = pg() ? "current_setting('work_mem')" : "CAST(@@join_buffer_size AS CHAR)";
  const std::string setting = pg() ? "work_mem = \"64MB\"" : "join_buffer_size = 524288";
  const std::string expected = pg() ? "64MB" : "524288";
  auto query = [&](const std::string& name, const std::string& sql, const std::string& extra) {
    return "[[query]]\nname = \"" + name + "\"\nsql = \"" + sql + "\"\n" + extra +
           "[[query.metrics]]\nname = \"it_" + name + "\"\nhelp = \"h\"\nlabels = [\"s\"]\nvalue = \"v\"\n";
  };
  const std::string catalog =
      query("tuned", "SELECT 1 AS v, " + read + " AS s", "[query.settings]\n" + setting + "\n") +
      query("broken", "SELECT 1 AS v, s FROM rse_no_such_table", "") +
      query("plain", "SELECT 1 AS v, " + read + " AS s", "") +
      "[[snapshot]]\nname = \"checks\"\nqueries = [\"tuned\", \"broken\", \"plain\"]\n";
  auto exporter = MakeExporter(catalog);
  ASSERT_TRUE(exporter);
  for (int i = 0; i < 3; ++i) {
    const std::string text = RenderText(exporter->Scrape({}));
    EXPECT_NE(text.find("it_tuned{s=\"" + expected + "\"} 1\n"), std::string::npos) << text;
    EXPECT_NE(text.find("replica_sql_query_success{query=\"broken\"} 0"), std::string::npos) << text;
    EXPECT_NE(text.find("replica_sql_query_success{query=\"plain\"} 1"), std::string::npos)
        << "the query after a failed one in the same snapshot still runs:\n" << text;
    const size_t at = text.find("it_plain{s=\"");
    ASSERT_NE(at, std::string::npos) << text;
    EXPECT_EQ(text.find("it_plain{s=\"" + expected + "\"}"), std::string::npos)
        << "the setting leaked into the next query of the snapshot:\n" << text;
    EXPECT_NE(text.find("replica_sql_up 1"), std::string::npos) << text;
  }
  // Every snapshot ended: no session of the exporter is left in a transaction.
  for (const HostPort& replica : env().replicas) {
    auto open = AdminQuery(
        env(), replica,
        pg() ? "SELECT count(*) FROM pg_stat_activity WHERE usename = 'exporter' AND state LIKE "
               "'idle in transaction%'"
             : "SELECT count(*) FROM information_schema.INNODB_TRX t JOIN "
               "information_schema.PROCESSLIST p ON t.trx_mysql_thread_id = p.ID WHERE p.USER = "
               "'exporter'");
    ASSERT_FALSE(open.empty());
    EXPECT_EQ(open[0][0], "0") << replica.ToString();
  }
  EXPECT_NE(log_.str().find(pg() ? "rse_no_such_table\\\" does not exist" : "rse_no_such_table' doesn't exist"),
            std::string::npos)
      << log_.str();
}

TEST_P(SnapshotTest, ASnapshotOverItsTimeoutFailsItsQueriesAndTheReplicaStaysIn) {
  const std::string slow = pg() ? "SELECT 1 AS v FROM pg_sleep(3)" : "SELECT SLEEP(3) + 1 AS v";
  const std::string catalog =
      "[[query]]\nname = \"slow\"\nsql = \"" + slow +
      "\"\ntimeout = \"1s\"\nsnapshot = \"s\"\n[[query.metrics]]\nname = \"it_slow\"\nhelp = "
      "\"h\"\nvalue = \"v\"\n"
      "[[query]]\nname = \"after\"\nsql = \"SELECT 2 AS v\"\ntimeout = \"1s\"\nsnapshot = \"s\"\n"
      "[[query.metrics]]\nname = \"it_after\"\nhelp = \"h\"\nvalue = \"v\"\n" +
      std::string(kCountQuery);
  auto exporter = MakeExporter(catalog);
  ASSERT_TRUE(exporter);
  const auto start = std::chrono::steady_clock::now();
  const std::string text = RenderText(exporter->Scrape({}));
  EXPECT_LT(SecondsSince(start), 3.0) << "answered at the snapshot's timeout, not the sleep's end";
  EXPECT_NE(text.find("replica_sql_query_errors_total{query=\"slow\",reason=\"timeout\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("replica_sql_query_errors_total{query=\"after\",reason=\"timeout\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("replica_sql_query_success{query=\"count\"} 1"), std::string::npos) << text;
  EXPECT_NE(text.find("replica_sql_up 1"), std::string::npos) << text;
  EXPECT_TRUE(Eventually([&] { return RunningSleeps() == 0; })) << "stopped on the server";
}

// Behind PgBouncer a transaction keeps its server session, so a snapshot works
// in session and transaction pooling (statement pooling is refused at load:
// see the binary tests), with the session guards and the query's settings in
// force inside it.
TEST(SnapshotBehindPgBouncerTest, SessionAndTransactionPoolingServeOneSnapshot) {
  const ClusterEnv& env = PostgresEnv();
  WaitReplicasCaughtUp(env);
  const std::string catalog =
      "[[query]]\nname = \"orders\"\nsql = \"SELECT count(*) AS v FROM orders\"\n"
      "[[query.metrics]]\nname = \"bouncer_orders\"\nhelp = \"h\"\nvalue = \"v\"\n"
      "[[query]]\nname = \"guards\"\nsql = \"\"\"SELECT EXTRACT(EPOCH FROM "
      "current_setting('lock_timeout')::interval) AS lock_s, CASE WHEN "
      "current_setting('transaction_isolation') = 'repeatable read' THEN 1 ELSE 0 END AS rr, "
      "CASE WHEN current_setting('work_mem') = '64MB' THEN 1 ELSE 0 END AS tuned\"\"\"\n"
      "[query.settings]\nwork_mem = \"64MB\"\n"
      "[[query.metrics]]\nname = \"bouncer_lock_s\"\nhelp = \"h\"\nvalue = \"lock_s\"\n"
      "[[query.metrics]]\nname = \"bouncer_rr\"\nhelp = \"h\"\nvalue = \"rr\"\n"
      "[[query.metrics]]\nname = \"bouncer_tuned\"\nhelp = \"h\"\nvalue = \"tuned\"\n"
      "[[query]]\nname = \"after\"\nsql = \"SELECT CASE WHEN current_setting('work_mem') = "
      "'64MB' THEN 1 ELSE 0 END AS leaked\"\n"
      "[[query.metrics]]\nname = \"bouncer_leaked\"\nhelp = \"h\"\nvalue = \"leaked\"\n"
      "[[snapshot]]\nname = \"bounced\"\nqueries = [\"orders\", \"guards\", \"after\"]\n";
  auto parsed = ParseQueryCatalog({{"bouncer.toml", catalog}});
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  setenv("RSE_IT_PASSWORD", env.password.c_str(), 1);
  for (auto [mode, port] : {std::pair{"pgbouncer-session", 26441},
                            {"pgbouncer-transaction", 26442}}) {
    SCOPED_TRACE(mode);
    std::ostringstream text;
    text << "[scrape]\ntimeout = \"5s\"\n[cluster]\nname = \"shop\"\nengine = \"postgres\"\n"
         << "database = \"shop\"\nuser = \"exporter\"\npassword_env = \"RSE_IT_PASSWORD\"\n"
         << "tls_mode = \"disable\"\nreplicas = [\"127.0.0.1:" << port << "\"]\npooler = \"" << mode
         << "\"\n";
    auto config = ParseExporterConfig(text.str(), "bouncer.toml", ".");
    ASSERT_TRUE(config.ok()) << config.status().message();
    std::ostringstream log;
    Logger logger(LogLevel::kInfo, LogFormat::kLogfmt, &log);
    auto exporter = Exporter::Create(*config, *parsed, &logger, DefaultClock());
    ASSERT_TRUE(exporter.ok()) << exporter.status().message();
    for (int i = 0; i < 5; ++i) {
      const std::string out = RenderText((*exporter)->Scrape({}));
      for (const char* q : {"orders", "guards", "after"}) {
        EXPECT_NE(out.find(std::string("replica_sql_query_success{query=\"") + q + "\"} 1"),
                  std::string::npos)
            << q << "\n" << out << log.str();
      }
      EXPECT_NE(out.find("bouncer_lock_s 5\n"), std::string::npos) << "the session guards hold";
      EXPECT_NE(out.find("bouncer_rr 1\n"), std::string::npos) << "repeatable read" << out;
      EXPECT_NE(out.find("bouncer_tuned 1\n"), std::string::npos) << out;
      EXPECT_NE(out.find("bouncer_leaked 0\n"), std::string::npos) << out;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, SnapshotTest, ::testing::ValuesIn(testing::AllEnvs()),
                         [](const auto& info) { return info.param->name; });

}  // namespace
}  // namespace rse::testing
