#include "collect/scrape_engine.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

#include "collect/scrape_engine_fixture.h"

namespace rse {
namespace {

using namespace std::chrono_literals;
using testing::FakeMember;

TEST_F(ScrapeEngineTest, ServesEveryQueryWithItsSelfMetrics) {
  Make({Query("a"), Query("b")});
  OnQuery(1, [](std::string_view sql, const Deadline&) { return Value(sql == "a" ? 1 : 2); });
  auto families = engine_->Scrape(2s).Flatten();
  EXPECT_EQ(Find(families, "a_value"), 1);
  EXPECT_EQ(Find(families, "b_value"), 2);
  EXPECT_EQ(Find(families, "replica_sql_up"), 1);
  EXPECT_EQ(Find(families, "replica_sql_query_success", "a"), 1);
  EXPECT_EQ(Find(families, "replica_sql_query_rows", "b"), 1);
  EXPECT_TRUE(Find(families, "replica_sql_query_duration_seconds", "a"));
  EXPECT_EQ(Find(families, "replica_sql_query_errors_total", "a", "timeout"), 0);
  EXPECT_TRUE(Find(families, "replica_sql_scrape_duration_seconds"));
  EXPECT_TRUE(Find(families, "replica_sql_exporter_build_info"));
}

TEST_F(ScrapeEngineTest, AGroupRunsOnlyItsQueriesAndItsSelfMetricsAreScopedToThem) {
  QuerySpec hourly = Query("h");
  hourly.group = "hourly";
  QuerySpec daily = Query("d");
  daily.group = "daily";
  Make({Query("a"), hourly, daily});
  std::atomic<int> ran_h = 0;
  OnQuery(1, [&](std::string_view sql, const Deadline&) -> StatusOr<RowSet> {
    if (sql == "h") ++ran_h;
    if (sql == "d") return Status::InvalidArgument("postgres: syntax error");
    return Value(1);
  });
  EXPECT_EQ(engine_->Groups(), (std::vector<std::string>{"daily", "hourly"}));
  auto plain = engine_->Scrape(2s).Flatten();
  EXPECT_EQ(Find(plain, "a_value"), 1);
  EXPECT_FALSE(Find(plain, "h_value"));
  EXPECT_FALSE(Find(plain, "replica_sql_query_success", "h")) << "not this scrape's query";
  EXPECT_FALSE(Find(plain, "replica_sql_query_errors_total", "d", "sql"));
  EXPECT_EQ(ran_h, 0);
  auto group = engine_->Scrape(2s, {"hourly", "daily"}).Flatten();
  EXPECT_EQ(Find(group, "h_value"), 1);
  EXPECT_FALSE(Find(group, "a_value"));
  EXPECT_FALSE(Find(group, "replica_sql_query_success", "a"));
  EXPECT_EQ(Find(group, "replica_sql_query_success", "h"), 1);
  EXPECT_EQ(Find(group, "replica_sql_query_errors_total", "d", "sql"), 1);
  EXPECT_EQ(Find(group, "replica_sql_up"), 1);
  EXPECT_EQ(ran_h, 1);
}

TEST_F(ScrapeEngineTest, RunsQueriesInParallel) {
  Make({Query("a"), Query("b"), Query("c")}, 1, /*max_concurrent=*/3);
  Gate gate;
  std::atomic<int> started = 0;
  OnQuery(1, [&](std::string_view, const Deadline&) -> StatusOr<RowSet> {
    if (++started == 3) gate.Release();
    gate.Wait();  // Only returns once all three run at the same time.
    return Value(1);
  });
  auto families = engine_->Scrape(5s).Flatten();
  for (const char* q : {"a", "b", "c"})
    EXPECT_EQ(Find(families, "replica_sql_query_success", q), 1) << q;
  EXPECT_EQ(backend_.Get(1).connects, 3);
}

TEST_F(ScrapeEngineTest, OneFailingQueryDoesNotTakeTheOthersDown) {
  Make({Query("good"), Query("bad")});
  OnQuery(1, [](std::string_view sql, const Deadline&) -> StatusOr<RowSet> {
    if (sql == "bad") return Status::InvalidArgument("postgres: relation \"nope\" does not exist");
    return Value(7);
  });
  auto families = engine_->Scrape(2s).Flatten();
  EXPECT_EQ(Find(families, "good_value"), 7);
  EXPECT_FALSE(Find(families, "bad_value")) << "no stale or made-up value for a failed query";
  EXPECT_EQ(Find(families, "replica_sql_query_success", "bad"), 0);
  EXPECT_EQ(Find(families, "replica_sql_query_errors_total", "bad", "sql"), 1);
  EXPECT_EQ(Find(families, "replica_sql_up"), 1);
}

// A query that keeps failing is logged when it starts failing and when it
// recovers (warn, info); the scrapes in between only at debug level.
TEST_F(ScrapeEngineTest, AFailingQueryIsLoggedWhenItStartsAndStopsFailingNotEveryScrape) {
  Make({Query("bad")});
  std::atomic<bool> failing = true;
  OnQuery(1, [&failing](std::string_view, const Deadline&) -> StatusOr<RowSet> {
    if (failing) return Status::InvalidArgument("postgres: relation \"nope\" does not exist");
    return Value(7);
  });
  auto count = [this](const std::string& needle) {
    const std::string log = log_.str();
    int n = 0;
    for (size_t at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1)) ++n;
    return n;
  };
  for (int i = 0; i < 5; ++i) engine_->Scrape(2s).Flatten();
  EXPECT_EQ(count("level=warn msg=\"query failed\""), 1) << log_.str();
  EXPECT_EQ(count("level=debug msg=\"query failed again\""), 4) << log_.str();
  failing = false;
  for (int i = 0; i < 3; ++i) engine_->Scrape(2s).Flatten();
  EXPECT_EQ(count("level=info msg=\"query recovered\""), 1) << log_.str();
  EXPECT_EQ(count("level=debug msg=\"query ran\""), 3) << log_.str();
  EXPECT_EQ(count("level=debug msg=scrape"), 8) << "one debug line per scrape";
  failing = true;
  engine_->Scrape(2s).Flatten();
  EXPECT_EQ(count("level=warn msg=\"query failed\""), 2) << "failing again is news again";
}

TEST_F(ScrapeEngineTest, ConcurrentScrapesShareOneExecution) {
  Make({Query("q")});
  Gate gate;
  OnQuery(1, [&](std::string_view, const Deadline&) -> StatusOr<RowSet> {
    gate.Wait();
    return Value(3);
  });
  auto first = std::async(std::launch::async, [&] { return engine_->Scrape(60s).Flatten(); });
  ASSERT_TRUE(gate.AwaitWaiting(1));
  auto second = std::async(std::launch::async, [&] { return engine_->Scrape(60s).Flatten(); });
  ASSERT_TRUE(joined_.AwaitCount(1)) << "the second scrape joins the running execution";
  gate.Release();
  EXPECT_EQ(Find(first.get(), "q_value"), 3);
  EXPECT_EQ(Find(second.get(), "q_value"), 3);
  EXPECT_EQ(backend_.Get(1).queries, 1) << "two scrapes, one execution";
}

TEST_F(ScrapeEngineTest, AScrapeStartingWhileAnotherRunsSharesWhatThatOneAlreadyFinished) {
  // "a" is done and "b" still runs when the second scrape of an HA pair
  // arrives: it shares both rather than running "a" again.
  Make({Query("a"), Query("b")});
  Gate gate;
  OnQuery(1, [&](std::string_view sql, const Deadline&) -> StatusOr<RowSet> {
    if (sql.find('b') != std::string_view::npos) gate.Wait();
    return Value(7);
  });
  auto first = std::async(std::launch::async, [&] { return engine_->Scrape(60s).Flatten(); });
  ASSERT_TRUE(gate.AwaitWaiting(1));
  ASSERT_TRUE(published_.AwaitCount(1)) << "a finished";
  auto second = std::async(std::launch::async, [&] { return engine_->Scrape(60s).Flatten(); });
  ASSERT_TRUE(joined_.AwaitCount(2)) << "the second scrape joins a (finished) and b (running)";
  gate.Release();
  EXPECT_EQ(Find(first.get(), "a_value"), 7);
  auto families = second.get();
  EXPECT_EQ(Find(families, "a_value"), 7);
  EXPECT_EQ(Find(families, "b_value"), 7);
  EXPECT_EQ(backend_.Get(1).queries, 2) << "two scrapes, one execution of each query";
  // Once both scrapes are done, the next one runs the queries again.
  auto third = engine_->Scrape(60s).Flatten();
  EXPECT_EQ(Find(third, "a_value"), 7);
  EXPECT_EQ(backend_.Get(1).queries, 4);
}

TEST_F(ScrapeEngineTest, NoHealthyReplicaMeansUpZeroAndNoQueryMetrics) {
  Make({Query("q"), Query("cached", 5min)});
  ASSERT_EQ(Find(engine_->Scrape(2s).Flatten(), "cached_value"), 1);
  backend_.Edit(1, [](FakeMember& m) { m.probe = testing::Primary(); });
  clock_.Advance(1min);
  auto families = engine_->Scrape(2s).Flatten();
  EXPECT_EQ(Find(families, "replica_sql_up"), 0);
  EXPECT_FALSE(Find(families, "q_value"));
  EXPECT_EQ(Find(families, "cached_value"), 1) << "a fresh cached result needs no replica";
  EXPECT_EQ(Find(families, "replica_sql_query_errors_total", "q", "connection"), 1);
  EXPECT_EQ(backend_.Get(1).queries, 2) << "the primary was never queried";
}

TEST_F(ScrapeEngineTest, AMetricDroppedForDuplicateSeriesMeansTheQueryDidNotSucceed) {
  QuerySpec q = Query("q");  // q_value: no labels, so two rows give one label set twice.
  MetricSpec by_k;
  by_k.name = "q_by_k";
  by_k.help = "By k.";
  by_k.labels = {"k"};
  by_k.value_column = "v";
  q.metrics.push_back(by_k);
  Make({q});
  OnQuery(1, [](std::string_view, const Deadline&) -> StatusOr<RowSet> {
    return RowSet{{{"v", ColumnKind::kFloat}, {"k", ColumnKind::kText}},
                  {{Cell("1"), Cell("a")}, {Cell("2"), Cell("b")}}};
  });
  auto families = engine_->Scrape(2s).Flatten();
  EXPECT_FALSE(Find(families, "q_value")) << "the duplicated metric is dropped";
  EXPECT_EQ(FindExact(families, "q_by_k", {{"k", "b"}}), 2) << "the other one is served";
  EXPECT_EQ(Find(families, "replica_sql_query_success", "q"), 0);
  EXPECT_EQ(Find(families, "replica_sql_query_errors_total", "q", "duplicate_series"), 1);
}

TEST_F(ScrapeEngineTest, TwoQueriesProducingOneSeriesKeepTheFirst) {
  QuerySpec a = Query("a"), b = Query("b");
  b.metrics[0].name = "a_value";
  b.metrics[0].help = a.metrics[0].help;
  Make({a, b});
  auto families = engine_->Scrape(2s).Flatten();
  int samples = 0;
  for (const MetricFamily& f : families)
    samples += f.name == "a_value" ? static_cast<int>(f.samples.size()) : 0;
  EXPECT_EQ(samples, 1);
  EXPECT_EQ(Find(families, "replica_sql_query_errors_total", "b", "duplicate_series"), 1);
  EXPECT_EQ(Find(families, "replica_sql_query_success", "b"), 0);
}

TEST_F(ScrapeEngineTest, SaysWhichReplicaServedAndHowOldItsDataIs) {
  Make({Query("q")}, /*members=*/2);
  backend_.Edit(1, [](FakeMember& m) { m.probe = testing::HealthyReplica(3.5); });
  auto families = engine_->Scrape(2s).Flatten();
  EXPECT_EQ(Find(families, "replica_sql_scrape_replica_lag_seconds"), 3.5);
  EXPECT_EQ(FindExact(families, "replica_sql_scrape_replica_info", {{"replica", "db:1"}}), 1);
  EXPECT_EQ(CountSamples(families, "replica_sql_scrape_replica_info"), 1u);
  EXPECT_EQ(CountSamples(families, "replica_sql_query_replica_info"), 0u)
      << "per-query replicas only for a mixed scrape";
  families = engine_->Scrape(2s).Flatten();
  EXPECT_EQ(FindExact(families, "replica_sql_scrape_replica_info", {{"replica", "db:2"}}), 1);
  EXPECT_EQ(Find(families, "replica_sql_scrape_replica_lag_seconds"), 0);
}

TEST_F(ScrapeEngineTest, NoServingReplicaMeansNoInfoAndAnUnknownLag) {
  Make({Query("q")});
  backend_.Edit(1, [](FakeMember& m) { m.probe = testing::Primary(); });
  auto families = engine_->Scrape(2s).Flatten();
  EXPECT_EQ(Find(families, "replica_sql_up"), 0);
  auto lag = Find(families, "replica_sql_scrape_replica_lag_seconds");
  ASSERT_TRUE(lag);
  EXPECT_TRUE(std::isnan(*lag));
  EXPECT_EQ(CountSamples(families, "replica_sql_scrape_replica_info"), 0u);
}

}  // namespace
}  // namespace rse
