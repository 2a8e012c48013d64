// PostgreSQL replicas cancel a query that conflicts with replay: such a query
// is run again on the other replica, within the same scrape.
#include "scrape_fixture.h"

namespace rse::testing {
namespace {

using namespace std::chrono_literals;

// PostgreSQL only: MySQL/MariaDB replicas have no recovery conflicts.
class RecoveryConflictTest : public ScrapeTest {
 protected:
  void TearDown() override {
    testing::AdminExec(env(), env().replicas[0], "ALTER SYSTEM RESET max_standby_streaming_delay");
    testing::AdminExec(env(), env().replicas[0], "SELECT pg_reload_conf()");
  }
};

TEST_P(RecoveryConflictTest, AQueryCancelledByReplayIsRetriedOnTheOtherReplica) {
  // replica1 cancels a conflicting query at once instead of delaying replay.
  testing::AdminExec(env(), env().replicas[0], "ALTER SYSTEM SET max_standby_streaming_delay = 0");
  testing::AdminExec(env(), env().replicas[0], "SELECT pg_reload_conf()");
  ASSERT_TRUE(testing::Eventually([&] {
    auto rows = testing::AdminQuery(env(), env().replicas[0], "SHOW max_standby_streaming_delay");
    return !rows.empty() && rows[0][0] == "0";
  }));
  auto exporter = MakeExporter(
      "[[query]]\nname = \"conflicted\"\n"
      "sql = \"SELECT count(*) AS v FROM orders CROSS JOIN pg_sleep(1)\"\n"
      "[[query.metrics]]\nname = \"conflicted_value\"\nhelp = \"h\"\nvalue = \"v\"\n");
  ASSERT_TRUE(exporter);
  // The first scrape goes to replica1 (round-robin from the first member).
  auto scrape = std::async(std::launch::async, [&] { return RenderText(exporter->Scrape({})); });
  ASSERT_TRUE(testing::Eventually([&] {
    auto rows =
        testing::AdminQuery(env(), env().replicas[0],
                            "SELECT count(*) FROM pg_stat_activity WHERE application_name = "
                            "'replica_sql_exporter/conflicted' AND state = 'active'");
    return !rows.empty() && rows[0][0] == "1";
  })) << "the query never ran on replica1";
  // An ACCESS EXCLUSIVE lock is WAL-logged; replaying it conflicts with the
  // query's lock on the table (hot_standby_feedback does not prevent this kind).
  testing::AdminExec(env(), env().primary,
                     "BEGIN; LOCK TABLE orders IN ACCESS EXCLUSIVE MODE; COMMIT");
  const std::string text = scrape.get();
  const std::string replica1 = env().replicas[0].ToString(),
                    replica2 = env().replicas[1].ToString();
  for (const std::string& line :
       {std::string("conflicted_value 2000\n"),
        std::string("replica_sql_query_success{query=\"conflicted\"} 1\n"),
        std::string("replica_sql_query_errors_total{query=\"conflicted\",reason=\"recovery_"
                    "conflict\"} 1\n"),
        "replica_sql_replica_recovery_conflicts_total{replica=\"" + replica1 + "\"} 1\n",
        "replica_sql_query_replica_info{query=\"conflicted\",replica=\"" + replica2 + "\"} 1\n",
        "replica_sql_replica_state{replica=\"" + replica1 + "\",state=\"healthy\"} 1\n"}) {
    EXPECT_NE(text.find(line), std::string::npos) << "missing: " << line << "\n" << text;
  }
  EXPECT_NE(log_.str().find("conflict with recovery"), std::string::npos) << log_.str();
}

INSTANTIATE_TEST_SUITE_P(Postgres, RecoveryConflictTest, ::testing::Values(&testing::PostgresEnv()),
                         [](const auto& info) { return info.param->name; });

}  // namespace
}  // namespace rse::testing
