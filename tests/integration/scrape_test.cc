// The whole exporter in-process (config → pool → scrape engine) against the
// real clusters, for both engines: the demo catalog's series, deadlines that
// hold on the server, slow cached queries, and a replica lost mid-scrape.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <future>
#include <iostream>
#include <mutex>
#include <regex>
#include <sstream>
#include <thread>

#include "app/exporter.h"
#include "db_env.h"
#include "exposition/text_format.h"
#include "testing/promtool.h"

namespace rse {
namespace {

using testing::ClusterEnv;
using namespace std::chrono_literals;

class ScrapeTest : public ::testing::TestWithParam<const ClusterEnv*> {
 protected:
  const ClusterEnv& env() const { return *GetParam(); }
  bool pg() const { return env().engine == Engine::kPostgres; }

  void SetUp() override { testing::WaitReplicasCaughtUp(env()); }

  // An exporter over both replicas with `catalog_text` as its only query file
  // (empty: the shipped demo catalog).
  std::unique_ptr<Exporter> MakeExporter(const std::string& catalog_text = "",
                                         std::vector<std::string> replicas = {}) {
    if (replicas.empty()) replicas = {env().replicas[0].ToString(), env().replicas[1].ToString()};
    std::ostringstream text;
    text << "[scrape]\ntimeout = \"5s\"\n[cluster]\nname = \"shop\"\nengine = \""
         << (pg() ? "postgres" : "mysql")
         << "\"\ndatabase = \"shop\"\nuser = \"exporter\"\npassword_env = "
            "\"RSE_IT_PASSWORD\"\ntls_mode = \"disable\"\n"
         << "replicas = [\"" << replicas[0] << "\", \"" << replicas[1] << "\"]\n";
    setenv("RSE_IT_PASSWORD", env().password.c_str(), 1);
    auto config = ParseExporterConfig(text.str(), "it.toml", ".");
    EXPECT_TRUE(config.ok()) << config.status().message();
    auto catalog = catalog_text.empty()
                       ? LoadQueryCatalog({std::string(RSE_SOURCE_DIR) + "/queries/shop/*.toml"})
                       : ParseQueryCatalog({{"it_queries.toml", catalog_text}});
    EXPECT_TRUE(catalog.ok()) << catalog.status().message();
    if (!config.ok() || !catalog.ok()) return nullptr;
    auto exporter = Exporter::Create(*config, *catalog, &logger_, DefaultClock());
    EXPECT_TRUE(exporter.ok()) << exporter.status().message();
    return exporter.ok() ? std::move(*exporter) : nullptr;
  }

  std::string SleepQuery(const std::string& name, int seconds,
                         const std::string& extra = "") const {
    return "[[query]]\nname = \"" + name + "\"\nsql = \"" +
           (pg() ? "SELECT 1 AS v FROM pg_sleep(" + std::to_string(seconds) + ")"
                 : "SELECT SLEEP(" + std::to_string(seconds) + ") + 1 AS v") +
           "\"\n" + extra + "[[query.metrics]]\nname = \"" + name +
           "_value\"\nhelp = \"h\"\nvalue = \"v\"\n";
  }

  int RunningSleeps() {
    int total = 0;
    for (const HostPort& replica : env().replicas) {
      auto rows = testing::AdminQuery(env(), replica,
                                      pg() ? "SELECT count(*) FROM pg_stat_activity WHERE usename "
                                             "= 'exporter' AND state = 'active' "
                                             "AND query LIKE '%sleep%'"
                                           : "SELECT count(*) FROM information_schema.processlist "
                                             "WHERE user = 'exporter' AND command = 'Query' "
                                             "AND info LIKE '%SLEEP%'");
      total += rows.empty() ? 100 : std::stoi(rows[0][0]);
    }
    return total;
  }

  std::ostringstream log_;
  Logger logger_{LogLevel::kDebug, LogFormat::kLogfmt, &log_};
};

TEST_P(ScrapeTest, TheDemoCatalogProducesTheExpectedSeries) {
  auto exporter = MakeExporter();
  ASSERT_TRUE(exporter);
  std::string text = RenderText(exporter->Scrape({}));
  for (const char* line :
       {"replica_sql_up 1\n", "shop_orders{source=\"oltp\",status=\"paid\"} 500\n",
        "shop_order_value{source=\"oltp\",status=\"pending\"} 24210\n",
        "shop_orders_created_total 2000\n",
        "shop_order_amount_bucket{status=\"paid\",le=\"+Inf\"} 500\n",
        "shop_order_amount_sum{status=\"paid\"} 24255\n", "shop_customers{country=\"DE\"} 40\n",
        "shop_payments{method=\"card\",status=\"failed\"} 66\n",
        "shop_schema_info{version=\"3\"} 1\n",
        "shop_customer_lifetime_value_max{country=\"JP\"} 699.9\n",
        "replica_sql_query_success{query=\"customer_lifetime_value\"} 1\n",
        "# HELP shop_customer_lifetime_value_avg Average lifetime spend of the customers of each "
        "country. Cached: refreshed at most every 5m.\n"}) {
    EXPECT_NE(text.find(line), std::string::npos) << "missing: " << line << "\n" << text;
  }
  for (const char* q :
       {"orders_by_status", "orders_created", "recent_orders", "oldest_pending_order",
        "customers_by_country", "payments_by_method", "schema_info"}) {
    EXPECT_NE(text.find(std::string("replica_sql_query_success{query=\"") + q + "\"} 1\n"),
              std::string::npos)
        << q;
  }
  auto lint = testing::RunPromtoolCheckMetrics(text);
  EXPECT_EQ(lint.exit_code, 0) << lint.output;
}

TEST_P(ScrapeTest, AQuerySleepingPastTheDeadlineIsAnsweredOnTimeAndGoneFromTheServer) {
  auto exporter =
      MakeExporter(SleepQuery("sleepy", 30) +
                   "[[query]]\nname = \"quick\"\nsql = \"SELECT 1 AS v\"\n"
                   "[[query.metrics]]\nname = \"quick_value\"\nhelp = \"h\"\nvalue = \"v\"\n");
  ASSERT_TRUE(exporter);
  ScrapeRequest request;
  request.timeout_header = "1.5";  // Budget: 1.5 s − 0.5 s offset = 1 s.
  auto start = std::chrono::steady_clock::now();
  std::string text = RenderText(exporter->Scrape(request));
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, 1300ms);
  EXPECT_GE(took, 900ms);
  EXPECT_NE(text.find("quick_value 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("replica_sql_query_success{query=\"sleepy\"} 0\n"), std::string::npos)
      << text;
  // The scrape that reports the timeout counts it, with the time the query ran.
  EXPECT_NE(text.find("replica_sql_query_errors_total{query=\"sleepy\",reason=\"timeout\"} 1\n"),
            std::string::npos)
      << text;
  std::smatch ran;
  ASSERT_TRUE(std::regex_search(
      text, ran,
      std::regex("replica_sql_query_duration_seconds\\{query=\"sleepy\"\\} ([0-9.e-]+)")))
      << text;
  EXPECT_GT(std::stod(ran[1]), 0.5) << "the time it ran until the deadline, not 0";
  EXPECT_TRUE(testing::Eventually([&] { return RunningSleeps() == 0; }, 1s))
      << "nothing the scrape started may run on a second past its deadline";
}

TEST_P(ScrapeTest, ASlowCachedQueryNeverDelaysAScrape) {
  auto exporter = MakeExporter(SleepQuery("slow_cached", 3, "cache = \"5m\"\ntimeout = \"20s\"\n"));
  ASSERT_TRUE(exporter);
  ScrapeRequest request;
  request.timeout_header = "1";  // 0.5 s budget.
  auto start = std::chrono::steady_clock::now();
  std::string first = RenderText(exporter->Scrape(request));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 900ms);
  EXPECT_EQ(first.find("slow_cached_value"), std::string::npos) << "nothing to serve yet";
  // The refresh goes on in the background, within its own timeout, and a
  // later scrape serves it; no scrape waits for it.
  std::string later;
  EXPECT_TRUE(testing::Eventually([&] {
    start = std::chrono::steady_clock::now();
    later = RenderText(exporter->Scrape(request));
    EXPECT_LT(std::chrono::steady_clock::now() - start, 900ms);
    return later.find("slow_cached_value 1\n") != std::string::npos;
  })) << later;
}

TEST_P(ScrapeTest, AReplicaStoppedMidScrapeCostsNoFailedScrape) {
  auto exporter =
      MakeExporter(SleepQuery("napping", 1) +
                   "[[query]]\nname = \"count\"\nsql = \"SELECT count(*) AS v FROM orders\"\n"
                   "[[query.metrics]]\nname = \"count_value\"\nhelp = \"h\"\nvalue = \"v\"\n");
  ASSERT_TRUE(exporter);
  ASSERT_NE(RenderText(exporter->Scrape({})).find("replica_sql_up 1\n"), std::string::npos);
  // The next scrape goes to replica2 (round-robin); stop it while the query naps.
  std::thread stopper([&] {
    // Once the napping query runs on replica2.
    testing::Eventually([&] { return RunningSleeps() >= 1; });
    testing::StopMember(env(), "replica2");
  });
  std::string text = RenderText(exporter->Scrape({}));
  stopper.join();
  EXPECT_NE(text.find("replica_sql_up 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("count_value 2000\n"), std::string::npos) << text;
  EXPECT_NE(text.find("napping_value 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("replica_sql_replica_state{replica=\"" + env().replicas[1].ToString() +
                      "\",state=\"down\"} 1"),
            std::string::npos)
      << text;
  testing::RepairCluster(env());
}

const char* const kCountQuery =
    "[[query]]\nname = \"count\"\nsql = \"SELECT count(*) AS v FROM orders\"\n"
    "[[query.metrics]]\nname = \"count_value\"\nhelp = \"h\"\nvalue = \"v\"\n";

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

TEST_P(ScrapeTest, AHungReplicaCostsAScrapeAtMostTheProbeTimeout) {
  auto exporter = MakeExporter(kCountQuery);
  ASSERT_TRUE(exporter);
  // Both replicas serve once, so each holds an idle session: the hung one is
  // then met on a session that was fine, the hardest case.
  for (int i = 0; i < 2; ++i)
    ASSERT_NE(RenderText(exporter->Scrape({})).find("count_value 2000\n"), std::string::npos);
  testing::PauseMember(env(), "replica2");
  struct Resume {
    const ClusterEnv& env;
    ~Resume() { testing::ResumeMember(env, "replica2"); }
  } resume{env()};
  double slowest = 0;
  for (int i = 0; i < 6; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const std::string text = RenderText(exporter->Scrape({}));  // 5 s budget.
    slowest = std::max(slowest, SecondsSince(start));
    EXPECT_NE(text.find("replica_sql_up 1\n"), std::string::npos) << text;
    EXPECT_NE(text.find("count_value 2000\n"), std::string::npos) << "scrape " << i << "\n" << text;
  }
  EXPECT_LT(slowest, 2.5) << "probe_timeout 1 s + 0.5 s to break the session, not the 5 s budget";
  EXPECT_NE(RenderText(exporter->Scrape({}))
                .find("replica_sql_replica_state{replica=\"" + env().replicas[1].ToString() +
                      "\",state=\"down\"} 1"),
            std::string::npos);
  // Shutting the exporter down waits for a cancel still trying to reach the
  // hung server only briefly (MySQL/MariaDB: its side session's 2 s connect
  // timeout at most), never for the server itself.
  const auto stop = std::chrono::steady_clock::now();
  exporter.reset();
  const double stopped = SecondsSince(stop);
  EXPECT_LT(stopped, 2.5);
  std::cout << "[ figures  ] " << env().name << " SIGSTOPped replica: slowest of 6 scrapes "
            << slowest << " s, exporter stopped in " << stopped << " s\n";
}

TEST_P(ScrapeTest, AReplicaBackFromAPauseReturnsToTheRotation) {
  auto exporter = MakeExporter(kCountQuery);
  ASSERT_TRUE(exporter);
  for (int i = 0; i < 2; ++i) exporter->Scrape({});
  testing::PauseMember(env(), "replica2");
  for (int i = 0; i < 3; ++i) exporter->Scrape({});
  testing::ResumeMember(env(), "replica2");
  const auto resumed = std::chrono::steady_clock::now();
  const std::string healthy = "replica_sql_replica_state{replica=\"" +
                              env().replicas[1].ToString() + "\",state=\"healthy\"} 1";
  EXPECT_TRUE(testing::Eventually(
      [&] { return RenderText(exporter->Scrape({})).find(healthy) != std::string::npos; }));
  std::cout << "[ figures  ] " << env().name << " paused replica back in rotation "
            << SecondsSince(resumed) << " s after SIGCONT\n";
}

TEST_P(ScrapeTest, ABlackHoledPortCostsAtMostTheConnectTimeout) {
  // Accepts connections (the kernel's backlog) and never answers a byte.
  int hole = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(hole, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(hole, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(hole, 16), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(hole, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const std::string black_hole = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  auto exporter = MakeExporter(kCountQuery, {black_hole, env().replicas[0].ToString()});
  ASSERT_TRUE(exporter);
  double slowest = 0;
  for (int i = 0; i < 4; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const std::string text = RenderText(exporter->Scrape({}));
    slowest = std::max(slowest, SecondsSince(start));
    EXPECT_NE(text.find("count_value 2000\n"), std::string::npos) << text;
  }
  EXPECT_LT(slowest, 3.0) << "connect_timeout (2 s), then the other replica, within the 5 s budget";
  std::cout << "[ figures  ] " << env().name << " black-holed member: slowest of 4 scrapes "
            << slowest << " s\n";
  exporter.reset();
  ::close(hole);
}

TEST_P(ScrapeTest, BinaryLabelValuesNeverBreakTheExposition) {
  const std::string binary =
      pg() ? "SELECT '\\\\xff'::bytea AS k, 1 AS v" : "SELECT UNHEX('FF') AS k, 1 AS v";
  auto exporter =
      MakeExporter(std::string(kCountQuery) + "[[query]]\nname = \"binary\"\nsql = \"" + binary +
                   "\"\n[[query.metrics]]\nname = \"binary_value\"\nhelp = \"h\"\n"
                   "labels = [\"k\"]\nvalue = \"v\"\n");
  ASSERT_TRUE(exporter);
  const std::string text = RenderText(exporter->Scrape({}));
  EXPECT_NE(text.find("count_value 2000\n"), std::string::npos) << "the other query is served";
  if (pg()) {
    // bytea arrives as hex text: valid UTF-8, served as is.
    EXPECT_NE(text.find("binary_value{k=\"\\\\xff\"} 1\n"), std::string::npos) << text;
  } else {
    EXPECT_NE(text.find("replica_sql_query_success{query=\"binary\"} 0\n"), std::string::npos);
    EXPECT_NE(
        text.find("replica_sql_query_errors_total{query=\"binary\",reason=\"invalid_value\"} 1\n"),
        std::string::npos)
        << text;
    EXPECT_EQ(text.find("binary_value{"), std::string::npos);
  }
  auto lint = testing::RunPromtoolCheckMetrics(text);
  EXPECT_EQ(lint.exit_code, 0) << lint.output;
}

TEST_P(ScrapeTest, SessionsKilledWhileIdleCostNoScrapeAndNoVerdict) {
  auto exporter = MakeExporter(kCountQuery);
  ASSERT_TRUE(exporter);
  for (int i = 0; i < 4; ++i) exporter->Scrape({});  // Idle sessions on both replicas.
  for (int round = 0; round < 3; ++round) {
    // What idle_session_timeout, wait_timeout, a pooler or an administrator does.
    for (const HostPort& replica : env().replicas) {
      if (pg()) {
        testing::AdminExec(env(), replica,
                           "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE usename = 'exporter'");
      } else {
        for (const auto& row : testing::AdminQuery(
                 env(), replica,
                 "SELECT id FROM information_schema.processlist WHERE user = 'exporter'")) {
          testing::AdminExec(env(), replica, "KILL CONNECTION " + row[0]);
        }
      }
    }
    for (int i = 0; i < 2; ++i) {
      const std::string text = RenderText(exporter->Scrape({}));
      EXPECT_NE(text.find("count_value 2000\n"), std::string::npos) << text;
      for (const HostPort& replica : env().replicas) {
        EXPECT_NE(text.find("replica_sql_replica_state_changes_total{replica=\"" +
                            replica.ToString() + "\"} 0\n"),
                  std::string::npos)
            << "a closed idle session is no verdict on the replica\n"
            << text;
      }
    }
  }
  EXPECT_EQ(log_.str().find("replica down"), std::string::npos) << log_.str();
}

TEST_P(ScrapeTest, ARunawayResultStopsAtTheSeriesCap) {
  const std::string rows = pg() ? "SELECT g AS v FROM generate_series(1, 200000) g"
                                : "SELECT seq AS v FROM seq_1_to_200000";
  auto exporter =
      MakeExporter(std::string(kCountQuery) + "[[query]]\nname = \"runaway\"\nsql = \"" + rows +
                   "\"\nmax_series = 100\n[[query.metrics]]\nname = "
                   "\"runaway_value\"\nhelp = \"h\"\nvalue = \"v\"\n");
  ASSERT_TRUE(exporter);
  const std::string text = RenderText(exporter->Scrape({}));
  EXPECT_NE(text.find("count_value 2000\n"), std::string::npos) << "the other query is served";
  EXPECT_NE(
      text.find("replica_sql_query_errors_total{query=\"runaway\",reason=\"too_many_series\"} 1\n"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("replica_sql_query_rows{query=\"runaway\"} 0\n"), std::string::npos);
  EXPECT_NE(log_.str().find("more than 101 rows, past max_series 100: stopped reading"),
            std::string::npos)
      << log_.str();
}

TEST_P(ScrapeTest, EightConcurrentScrapersNeverSeeABusyPoolAsUnhealthy) {
  // The demo catalog (8 queries, one cached) with 2 connections per replica:
  // before scrapes joined first, joiners held the connections leaders needed.
  auto exporter = MakeExporter();
  ASSERT_TRUE(exporter);
  std::atomic<int> responses = 0, bad = 0;
  std::string first_bad;
  std::mutex mu;
  std::vector<std::thread> scrapers;
  for (int t = 0; t < 8; ++t) {
    scrapers.emplace_back([&] {
      for (int i = 0; i < 15; ++i) {
        const std::string text = RenderText(exporter->Scrape({}));
        ++responses;
        bool ok = text.find("replica_sql_up 1\n") != std::string::npos &&
                  text.find("replica_sql_replica_state{replica=\"" + env().replicas[0].ToString() +
                            "\",state=\"healthy\"} 1") != std::string::npos;
        int served = 0;
        const std::regex success("replica_sql_query_success\\{query=\"[a-z_]+\"\\} ([01])\n");
        for (auto it = std::sregex_iterator(text.begin(), text.end(), success);
             it != std::sregex_iterator(); ++it) {
          ok = ok && (*it)[1] == "1";
          ++served;
        }
        ok = ok && served > 0;
        if (!ok) {
          std::lock_guard<std::mutex> lock(mu);
          if (bad++ == 0) first_bad = text;
        }
      }
    });
  }
  for (std::thread& t : scrapers) t.join();
  EXPECT_EQ(responses, 120);
  EXPECT_EQ(bad, 0) << first_bad;
}

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

INSTANTIATE_TEST_SUITE_P(Engines, ScrapeTest, ::testing::ValuesIn(testing::AllEnvs()),
                         [](const auto& info) { return info.param->name; });

}  // namespace
}  // namespace rse
