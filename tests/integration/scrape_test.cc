// Scrapes against the real clusters, for both engines: the demo catalog's
// series, deadlines that hold on the server, slow cached queries, results that
// must not break the exposition, many scrapers at once (recovery conflicts:
// recovery_conflict_test.cc).
#include "scrape_fixture.h"

namespace rse::testing {
namespace {

using namespace std::chrono_literals;

// A query whose own failure closes its session (MariaDB: a statement with no
// result set) is that query's error, never a verdict on the replica: with one
// replica, the other queries are still served, on a new session.
TEST_P(ScrapeTest, AQueryThatBreaksItsSessionIsNotAVerdictOnTheReplica) {
  const std::string catalog =
      "[[query]]\nname = \"no_rows\"\nsql = \"SELECT 1 INTO @x\"\n"
      "[[query.metrics]]\nname = \"no_rows_value\"\nhelp = \"h\"\nvalue = \"v\"\n" +
      std::string(kCountQuery);
  std::ostringstream text;
  auto exporter = MakeExporter(catalog);
  ASSERT_TRUE(exporter);
  for (int i = 0; i < 5; ++i) {
    const std::string out = RenderText(exporter->Scrape({}));
    EXPECT_NE(out.find("replica_sql_up 1\n"), std::string::npos) << out;
    EXPECT_NE(out.find("replica_sql_query_success{query=\"no_rows\"} 0\n"), std::string::npos);
    EXPECT_NE(out.find("count_value 2000\n"), std::string::npos) << "scrape " << i << "\n" << out;
    EXPECT_EQ(out.find("state=\"down\"} 1"), std::string::npos) << out;
  }
}

// Query groups: each URL runs its own queries on the replica, and only those.
TEST_P(ScrapeTest, EachQueryGroupIsScrapedOnItsOwnAndPlainMetricsRunsTheRest) {
  const std::string catalog =
      std::string(kCountQuery) +
      "[[query]]\nname = \"hourly_orders\"\ngroup = \"hourly\"\n"
      "sql = \"SELECT count(*) AS v FROM orders\"\n"
      "[[query.metrics]]\nname = \"hourly_orders\"\nhelp = \"h\"\nvalue = \"v\"\n"
      "[[query]]\nname = \"daily_broken\"\ngroup = \"daily\"\nsql = \"SELECT v FROM no_such_table\"\n"
      "[[query.metrics]]\nname = \"daily_broken\"\nhelp = \"h\"\nvalue = \"v\"\n";
  auto exporter = MakeExporter(catalog);
  ASSERT_TRUE(exporter);
  EXPECT_EQ(exporter->Groups(), (std::vector<std::string>{"daily", "hourly"}));
  const std::string plain = RenderText(exporter->Scrape({}));
  EXPECT_NE(plain.find("count_value 2000\n"), std::string::npos) << plain;
  EXPECT_EQ(plain.find("hourly_orders"), std::string::npos) << plain;
  EXPECT_EQ(plain.find("daily_broken"), std::string::npos) << plain;
  ScrapeRequest request;
  request.groups = {"hourly"};
  const std::string hourly = RenderText(exporter->Scrape(request));
  EXPECT_NE(hourly.find("hourly_orders 2000\n"), std::string::npos) << hourly;
  EXPECT_NE(hourly.find("replica_sql_query_success{query=\"hourly_orders\"} 1\n"),
            std::string::npos) << hourly;
  EXPECT_EQ(hourly.find("count_value"), std::string::npos) << hourly;
  EXPECT_EQ(hourly.find("query=\"count\""), std::string::npos) << "self-metrics scoped: " << hourly;
  EXPECT_NE(hourly.find("replica_sql_up 1\n"), std::string::npos) << hourly;
  request.groups = {"hourly", "daily"};
  const std::string both = RenderText(exporter->Scrape(request));
  EXPECT_NE(both.find("hourly_orders 2000\n"), std::string::npos) << both;
  EXPECT_NE(both.find("replica_sql_query_success{query=\"daily_broken\"} 0\n"), std::string::npos)
      << "one group's broken query never takes the other's down: " << both;
}

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
        // Two value columns as one metric, told apart by `stat`.
        "shop_customer_lifetime_value{country=\"JP\",stat=\"max\"} 699.9\n",
        "replica_sql_query_success{query=\"customer_lifetime_value\"} 1\n",
        "# HELP shop_customer_lifetime_value Lifetime spend of the customers of each country: "
        "average (stat=avg) and largest (stat=max). Cached: refreshed at most every 5m.\n"}) {
    EXPECT_NE(text.find(line), std::string::npos) << "missing: " << line << "\n" << text;
  }
  for (const char* q :
       {"orders_by_status", "orders_created", "recent_orders", "oldest_pending_order",
        "customers_by_country", "payments_by_method", "schema_info"}) {
    EXPECT_NE(text.find(std::string("replica_sql_query_success{query=\"") + q + "\"} 1\n"),
              std::string::npos)
        << q;
  }
  EXPECT_NE(text.find("shop_customer_lifetime_value{country=\"JP\",stat=\"avg\"} "),
            std::string::npos) << text;
  auto lint = testing::RunPromtoolCheckMetrics(text);
  EXPECT_EQ(lint.exit_code, 0) << lint.output;
  // A unit is an OpenMetrics line of its own.
  const std::string open_metrics = RenderOpenMetrics(exporter->Scrape({}));
  EXPECT_NE(open_metrics.find("# UNIT shop_oldest_pending_order_timestamp_seconds seconds\n"),
            std::string::npos) << open_metrics;
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
  // The mapper stops the reading at the 101st sample (its 101st row).
  EXPECT_NE(log_.str().find("more than max_series 100 samples at row 101: stopped reading"),
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

INSTANTIATE_TEST_SUITE_P(Engines, ScrapeTest, ::testing::ValuesIn(testing::AllEnvs()),
                         [](const auto& info) { return info.param->name; });

}  // namespace
}  // namespace rse::testing
