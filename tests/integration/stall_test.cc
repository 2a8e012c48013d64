// A replica that stalls under a query with no timeout of its own, on real
// servers: past its stall (4 × its usual time, at least 1 s) the query runs
// once more on the other replica within the same scrape, instead of failing
// at the scrape's deadline. A member that stops answering mid-query (frozen
// behind a TCP proxy of ours) is left for the next (both engines); a server
// that only runs slow stops the statement itself and stays in (PostgreSQL).
#include <thread>

#include "scrape_fixture.h"
#include "tcp_proxy.h"

namespace rse::testing {
namespace {

using namespace std::chrono_literals;

class StallTest : public ScrapeTest {
 protected:
  // One query, "slow_count": orders' count after `sleep` seconds of the
  // server's (an SQL expression, evaluated once per statement).
  std::string SlowCount(const std::string& sleep) const {
    const std::string sql =
        pg() ? "SELECT count(*) AS v FROM orders CROSS JOIN pg_sleep(" + sleep + ")"
             : "SELECT (SELECT count(*) FROM orders) + SLEEP(" + sleep + ") AS v";
    return "[[query]]\nname = \"slow_count\"\nsql = \"" + sql +
           "\"\n[[query.metrics]]\nname = \"slow_count_value\"\nhelp = \"h\"\nvalue = \"v\"\n";
  }

  // A scrape (the fixture's 5 s): its text, and how long it took.
  std::pair<std::string, double> TimedScrape(Exporter& exporter) {
    ScrapeRequest request;
    const auto start = std::chrono::steady_clock::now();
    std::string text = RenderText(exporter.Scrape(request));
    return {text, SecondsSince(start)};
  }
};

TEST_P(StallTest, AMemberThatStopsAnsweringMidQueryCostsTheQueryOnlyItsStall) {
  TcpProxy proxy(env().replicas[1]);
  auto exporter =
      MakeExporter(SlowCount("0.2"), {proxy.address().ToString(), env().replicas[0].ToString()});
  ASSERT_TRUE(exporter);
  // The members are taken in turn: two scrapes judge both and learn the
  // query's usual time (0.2 s: a stall of 1 s); the third starts on the
  // proxied member.
  for (int i = 0; i < 2; ++i)
    ASSERT_NE(TimedScrape(*exporter).first.find("slow_count_value 2000\n"), std::string::npos);
  // Frozen once the query runs there (its probe is one quick round trip).
  std::thread freezer([&] {
    std::this_thread::sleep_for(100ms);
    proxy.Freeze();
  });
  const auto [text, took] = TimedScrape(*exporter);
  freezer.join();
  EXPECT_NE(text.find("slow_count_value 2000\n"), std::string::npos) << text;
  EXPECT_NE(text.find("replica_sql_query_success{query=\"slow_count\"} 1\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("replica_sql_query_replica_info{query=\"slow_count\",replica=\"" +
                      env().replicas[0].ToString() + "\"} 1\n"),
            std::string::npos)
      << "served by the other replica\n" << text;
  EXPECT_LT(took, 3.5) << "the stall (1 s), breaking the session, and the query elsewhere; "
                          "not the scrape's 5 s";
  bool down = false;
  for (const MemberSnapshot& member : exporter->ReplicaStatuses()) {
    if (member.label == proxy.address().ToString()) {
      down = member.state == MemberState::kDown;
      EXPECT_NE(member.last_error.find("did not answer"), std::string::npos) << member.last_error;
    }
  }
  EXPECT_TRUE(down) << "a member that answers nothing is left";
  exporter.reset();
  proxy.Thaw();
  std::cout << "[ figures  ] " << env().name << " member frozen mid-query, query without a "
            << "timeout: served by the other replica in " << took << " s of a 5 s scrape\n";
}

// PostgreSQL's: MariaDB ends a SLEEP() its time limit stops without an
// error (it returns 1), so there a stopped sleep would not look stopped.
class StallPostgresTest : public StallTest {};

TEST_P(StallPostgresTest, AServerThatOnlyRunsSlowStopsTheQueryAtItsStallAndStaysIn) {
  const int slow_port = env().replicas[0].port;
  auto exporter = MakeExporter(
      SlowCount("CASE WHEN inet_server_port() = " + std::to_string(slow_port) +
                " THEN 3 ELSE 0.2 END"));
  ASSERT_TRUE(exporter);
  // Scrape 1 on the slow member (3 s: no stall yet), scrape 2 on the quick
  // one (0.2 s, the usual time from now on: a stall of 1 s), scrape 3 on the
  // slow one.
  for (int i = 0; i < 2; ++i)
    ASSERT_NE(TimedScrape(*exporter).first.find("slow_count_value 2000\n"), std::string::npos);
  const auto [text, took] = TimedScrape(*exporter);
  EXPECT_NE(text.find("slow_count_value 2000\n"), std::string::npos) << text;
  EXPECT_NE(text.find("replica_sql_query_replica_info{query=\"slow_count\",replica=\"" +
                      env().replicas[1].ToString() + "\"} 1\n"),
            std::string::npos)
      << "served by the quick replica\n" << text;
  EXPECT_LT(took, 2.5) << "stopped at 1 s and run again (0.2 s), not waited for (3 s)";
  EXPECT_NE(log_.str().find("query stalled: running it once more on another replica"),
            std::string::npos);
  for (const MemberSnapshot& member : exporter->ReplicaStatuses())
    EXPECT_EQ(member.state, MemberState::kHealthy) << member.label << ": only slow";
  std::cout << "[ figures  ] " << env().name << " replica running a query in 3 s instead of "
            << "0.2 s: served by the other in " << took << " s\n";
}

INSTANTIATE_TEST_SUITE_P(Engines, StallTest, ::testing::ValuesIn(testing::AllEnvs()),
                         [](const auto& info) { return info.param->name; });
INSTANTIATE_TEST_SUITE_P(Engines, StallPostgresTest, ::testing::Values(&testing::PostgresEnv()),
                         [](const auto& info) { return info.param->name; });

}  // namespace
}  // namespace rse::testing
