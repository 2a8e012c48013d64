// What the engine tells /status of each query: its last run, its last error
// (including a scrape giving up on it), its counts and its cache.
#include <gtest/gtest.h>

#include "collect/scrape_engine_fixture.h"

namespace rse {
namespace {

// A copy: a reference returned through a temporary argument is what GCC 13+
// -Wdangling-reference warns about.
QueryStatus Named(const std::vector<QueryStatus>& all, const std::string& name) {
  for (const QueryStatus& status : all) {
    if (status.name == name) return status;
  }
  ADD_FAILURE() << "no status for " << name;
  return all.front();
}

TEST_F(ScrapeEngineTest, EachQueryShowsItsLastRunItsLastErrorAndItsCounts) {
  QuerySpec hourly = Query("hourly");
  hourly.group = "hourly";
  Make({Query("good"), Query("bad"), hourly});
  OnQuery(1, [](std::string_view sql, const Deadline&) -> StatusOr<RowSet> {
    if (sql == "bad") return Status::InvalidArgument("relation \"<nope>\" does not exist");
    return RowSet{{{"v", ColumnKind::kFloat}}, {{Cell("1")}, {Cell("2")}}};
  });
  // Two rows, one gauge without labels: a duplicate series; the metric is dropped.
  engine_->Scrape(2s).Flatten();
  auto all = engine_->QueryStatuses();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].name, "good") << "catalog order";

  const QueryStatus bad = Named(all, "bad");
  ASSERT_TRUE(bad.last_run);
  EXPECT_FALSE(bad.last_run->ok);
  EXPECT_EQ(bad.last_run->reason, "sql");
  EXPECT_EQ(bad.last_run->replica, "db:1");
  ASSERT_TRUE(bad.last_error);
  EXPECT_EQ(bad.last_error->reason, "sql");
  EXPECT_NE(bad.last_error->message.find("relation \"<nope>\" does not exist"), std::string::npos);
  EXPECT_EQ(bad.last_error->at, clock_.Now());
  EXPECT_EQ(bad.errors.at("sql"), 1u);
  EXPECT_TRUE(bad.failing);

  const QueryStatus good = Named(all, "good");
  ASSERT_TRUE(good.last_run);
  EXPECT_TRUE(good.last_run->ok) << "the statement ran; one metric was rejected";
  EXPECT_EQ(good.last_run->rows, 2u);
  EXPECT_EQ(good.last_run->series, 0u) << "the rejected metric serves nothing";
  ASSERT_TRUE(good.last_error) << "a rejected metric is an error to show";
  EXPECT_EQ(good.last_error->reason, "duplicate_series");
  EXPECT_TRUE(good.failing);
  ASSERT_EQ(good.metrics.size(), 1u);
  EXPECT_EQ(good.metrics[0].name, "good_value");

  const QueryStatus grouped = Named(all, "hourly");
  EXPECT_EQ(grouped.group, "hourly");
  EXPECT_FALSE(grouped.last_run) << "plain /metrics does not run a grouped query";
  EXPECT_FALSE(grouped.last_error);
  EXPECT_EQ(grouped.errors.at("sql"), 0u) << "every reason is there, at 0";

  OnQuery(1, [](std::string_view, const Deadline&) -> StatusOr<RowSet> { return Value(3); });
  clock_.Advance(5s);
  engine_->Scrape(2s).Flatten();
  all = engine_->QueryStatuses();
  EXPECT_TRUE(Named(all, "bad").last_run->ok);
  EXPECT_FALSE(Named(all, "bad").failing);
  EXPECT_EQ(Named(all, "good").last_run->series, 1u);
  ASSERT_TRUE(Named(all, "bad").last_error) << "the last error stays after a recovery";
  EXPECT_EQ(Named(all, "bad").last_error->at, clock_.Now() - 5s);
}

TEST_F(ScrapeEngineTest, ACachedQueryShowsTheAgeOfTheResultItServes) {
  Make({Query("slow", 60s), Query("plain")});
  engine_->Scrape(2s).Flatten();
  clock_.Advance(7s);
  engine_->Scrape(2s).Flatten();
  auto all = engine_->QueryStatuses();
  const QueryStatus slow = Named(all, "slow");
  ASSERT_TRUE(slow.cache);
  EXPECT_EQ(*slow.cache, 60s);
  EXPECT_EQ(slow.max_staleness, 120s);
  ASSERT_TRUE(slow.cached_age_seconds);
  EXPECT_DOUBLE_EQ(*slow.cached_age_seconds, 7.0) << "served from the cache, not run again";
  EXPECT_EQ(slow.last_run->finished_at, clock_.Now() - 7s);
  EXPECT_FALSE(Named(all, "plain").cache);
  EXPECT_FALSE(Named(all, "plain").cached_age_seconds);
}

TEST_F(ScrapeEngineTest, AQueryCutAtTheDeadlineShowsTheTimeoutAsItsLastError) {
  Make({Query("slow")});
  Gate gate;
  OnQuery(1, [&](std::string_view, const Deadline&) -> StatusOr<RowSet> {
    gate.Wait();
    return Value(1);
  });
  engine_->Scrape(200ms).Flatten();
  auto all = engine_->QueryStatuses();
  ASSERT_TRUE(all[0].last_error);
  EXPECT_EQ(all[0].last_error->reason, "timeout");
  EXPECT_NE(all[0].last_error->message.find("not finished at the scrape's deadline"),
            std::string::npos)
      << all[0].last_error->message;
  EXPECT_FALSE(all[0].last_run) << "the execution has not ended yet";
  gate.Release();
  ASSERT_TRUE(published_.AwaitCount(1));
  all = engine_->QueryStatuses();
  ASSERT_TRUE(all[0].last_run);
  EXPECT_TRUE(all[0].last_run->ok) << "its late end is its last run";
  EXPECT_EQ(all[0].last_error->reason, "timeout");
}

}  // namespace
}  // namespace rse
