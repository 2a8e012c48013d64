// The scrape engine when a replica stalls under a query that has no timeout
// of its own: past its stall (StallRule) the query gives up there and runs
// once more on another replica within the same scrape, whether the stalled
// server still answers (only slow: not a verdict) or not (a black hole: the
// member is down). No stall without another replica, without room in the
// scrape, or before the query's usual time is known.
#include <gtest/gtest.h>

#include <map>

#include "collect/scrape_engine_fixture.h"
#include "collect/stall_rule.h"

namespace rse {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using testing::FakeMember;

// Two scrapes: the pool takes its members in turn, so each was judged
// healthy, and the queries' usual times (instant here) are known; the next
// scrape starts on member 1.
void WarmUp(ScrapeEngine& engine) {
  engine.Scrape(10s);
  engine.Scrape(10s);
}

// Time left to `deadline` by the fake clock.
milliseconds Left(const Deadline& deadline, const Clock& clock) {
  return std::chrono::duration_cast<milliseconds>(deadline.at() - clock.Now());
}

TEST_F(ScrapeEngineTest, AStalledQueryRunsOnceMoreOnAnotherReplicaWithinTheScrape) {
  Make({Query("q")}, /*members=*/2, /*max_concurrent=*/1);
  WarmUp(*engine_);
  std::optional<milliseconds> given;
  OnQuery(1, [&](std::string_view, const Deadline& deadline) -> StatusOr<RowSet> {
    given = Left(deadline, clock_);
    clock_.Advance(*given);  // Still running at its stall: the server stops it.
    return Status::DeadlineExceeded("canceling statement due to statement timeout");
  });
  OnQuery(2, [](std::string_view, const Deadline&) { return Value(4); });
  const TimePoint began = clock_.Now();
  auto families = engine_->Scrape(10s).Flatten();
  EXPECT_EQ(given, StallRule::kFloor) << "not the scrape's 10 s";
  EXPECT_EQ(Find(families, "q_value"), 4) << "served by the other replica";
  EXPECT_EQ(Find(families, "replica_sql_query_success", "q"), 1);
  EXPECT_EQ(Find(families, "replica_sql_query_errors_total", "q", "timeout"), 1)
      << "the stall is counted, as a recovery conflict is";
  EXPECT_EQ(
      FindExact(families, "replica_sql_query_replica_info", {{"query", "q"}, {"replica", "db:2"}}),
      1);
  EXPECT_EQ(clock_.Now() - began, StallRule::kFloor) << "the stall cost the scrape its length";
  EXPECT_EQ(pool_->Snapshot()[0].state, MemberState::kHealthy) << "it answered: only slow";
  EXPECT_NE(log_.str().find("query stalled: running it once more on another replica"),
            std::string::npos)
      << log_.str();
}

TEST_F(ScrapeEngineTest, AReplicaThatStopsAnsweringMidScrapeCostsAQueryOnlyItsStall) {
  Make({Query("q")}, /*members=*/2, /*max_concurrent=*/1);
  WarmUp(*engine_);
  backend_.Edit(1, [&](FakeMember& m) {
    m.stops_answering = true;  // Neither the statement nor its cancel answered.
    m.on_silence = [&](const Deadline& deadline) { clock_.Advance(Left(deadline, clock_)); };
  });
  OnQuery(2, [](std::string_view, const Deadline&) { return Value(7); });
  const TimePoint began = clock_.Now();
  auto families = engine_->Scrape(10s).Flatten();
  EXPECT_EQ(Find(families, "q_value"), 7);
  EXPECT_EQ(Find(families, "replica_sql_query_success", "q"), 1);
  EXPECT_EQ(clock_.Now() - began, StallRule::kFloor);
  EXPECT_EQ(pool_->Snapshot()[0].state, MemberState::kDown) << "a black hole is a verdict";
}

TEST_F(ScrapeEngineTest, AQueryRunsToTheScrapesDeadlineWhereItCannotStall) {
  QuerySpec own = Query("own");
  own.timeout = 3s;
  Make({Query("q"), own}, /*members=*/2, /*max_concurrent=*/1);
  std::map<std::string, milliseconds> given;
  auto record = [&](std::string_view sql, const Deadline& deadline) -> StatusOr<RowSet> {
    given[std::string(sql)] = Left(deadline, clock_);
    return Value(1);
  };
  OnQuery(1, record);
  OnQuery(2, record);
  engine_->Scrape(10s);  // On member 1; member 2 is not judged yet.
  EXPECT_EQ(given["q"], 10s) << "its usual time is not known yet";
  EXPECT_EQ(given["own"], 3s);
  engine_->Scrape(10s);  // On member 2.
  EXPECT_EQ(given["q"], StallRule::kFloor);
  EXPECT_EQ(given["own"], 3s) << "a query's own timeout is its own";
  engine_->Scrape(3s);
  EXPECT_EQ(given["q"], 3s) << "no room to run it again after a stall";
  backend_.Edit(2, [](FakeMember& m) { m.probe = Status::Unavailable("connection refused"); });
  engine_->Scrape(10s);  // Member 2, tried first, is judged down; member 1 serves.
  EXPECT_EQ(pool_->Snapshot()[1].state, MemberState::kDown);
  EXPECT_EQ(given["q"], 10s) << "no other replica to run it";
}

TEST_F(ScrapeEngineTest, AQueryStallsAfterFourTimesItsUsualTime) {
  Make({Query("q")}, /*members=*/2, /*max_concurrent=*/1);
  std::vector<milliseconds> given;
  auto two_seconds = [&](std::string_view, const Deadline& deadline) -> StatusOr<RowSet> {
    given.push_back(Left(deadline, clock_));
    clock_.Advance(2s);
    return Value(1);
  };
  OnQuery(1, two_seconds);
  OnQuery(2, two_seconds);
  engine_->Scrape(60s);
  engine_->Scrape(60s);
  EXPECT_EQ(given, (std::vector<milliseconds>{60s, 8s}));
}

TEST_F(ScrapeEngineTest, AQueryStalledInABatchRunsOnceMoreElsewhereAndTheBatchIsServed) {
  Make({Query("a"), Query("b"), Query("c")}, /*members=*/2, /*max_concurrent=*/1);
  WarmUp(*engine_);
  OnQuery(1, [&](std::string_view sql, const Deadline& deadline) -> StatusOr<RowSet> {
    if (sql != "b") return Value(1);
    clock_.Advance(Left(deadline, clock_));
    return Status::DeadlineExceeded("canceling statement due to statement timeout");
  });
  OnQuery(2, [](std::string_view, const Deadline&) { return Value(2); });
  auto families = engine_->Scrape(10s).Flatten();
  EXPECT_EQ(backend_.Get(1).batches, (std::vector<size_t>{3, 3}));
  EXPECT_EQ(Find(families, "a_value"), 1);
  EXPECT_EQ(Find(families, "b_value"), 2) << "once more on the other replica";
  EXPECT_EQ(Find(families, "c_value"), 1) << "the rest of the batch stays";
  EXPECT_EQ(Find(families, "replica_sql_query_success", "b"), 1);
}

TEST(StallRuleTest, FollowsTheLatestSuccessfulRun) {
  StallRule rule;
  QuerySpec q;
  q.name = "q";
  EXPECT_FALSE(rule.After(q)) << "never ran";
  QueryOutcome ran;
  ran.duration_seconds = 0.1;
  rule.Record("q", ran);
  EXPECT_EQ(rule.After(q), StallRule::kFloor);
  ran.duration_seconds = 0.6;
  rule.Record("q", ran);
  EXPECT_EQ(rule.After(q), 2400ms);
  QueryOutcome failed = QueryOutcome::Failed(QueryError::kTimeout, Status::DeadlineExceeded("x"));
  failed.duration_seconds = 30;
  rule.Record("q", failed);
  EXPECT_EQ(rule.After(q), 2400ms) << "a failure says nothing of its usual time";
  QuerySpec own = q;
  own.timeout = 5s;
  EXPECT_FALSE(rule.After(own));
  QuerySpec cached = q;
  cached.cache = 60s;
  EXPECT_FALSE(rule.After(cached));
}

TEST(StallRuleTest, AStatementStallsOnlyWithRoomToRunAgain) {
  const TimePoint start{};
  StatementDeadline rule;
  rule.bound = Deadline(start + 10s);
  rule.stall = 2s;
  EXPECT_TRUE(rule.StallsAt(start));
  EXPECT_EQ(rule.From(start).at(), start + 2s);
  EXPECT_FALSE(rule.StallsAt(start + 2001ms)) << "less than 4 stalls left";
  EXPECT_EQ(rule.From(start + 3s).at(), start + 10s);
  rule.timeout = 5s;
  EXPECT_FALSE(rule.StallsAt(start)) << "an own timeout rules";
  EXPECT_EQ(rule.From(start).at(), start + 5s);
}

}  // namespace
}  // namespace rse
