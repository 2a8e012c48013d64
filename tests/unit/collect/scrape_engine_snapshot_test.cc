// The scrape engine with consistent snapshots: a snapshot's queries run on one
// session inside one snapshot, in order, each with its own outcome; they are
// cached, joined and failed over together.
#include <gtest/gtest.h>

#include <atomic>

#include "collect/scrape_engine_fixture.h"

namespace rse {
namespace {

using namespace std::chrono_literals;
using testing::FakeMember;

QuerySpec InSnapshot(QuerySpec query, int position,
                     std::optional<std::chrono::milliseconds> cache = std::nullopt) {
  query.snapshot = "totals";
  query.snapshot_position = position;
  query.cache = cache;
  if (cache) query.max_staleness = 2 * *cache;
  return query;
}

// The statements a member ran, without the session ids' numbers.
std::vector<std::string> Statements(const FakeMember& member) {
  std::vector<std::string> out;
  for (const std::string& s : member.statements) out.push_back(s.substr(s.find(':') + 1));
  return out;
}

std::string Session(const std::string& statement) { return statement.substr(0, statement.find(':')); }

TEST_F(ScrapeEngineTest, ASnapshotsQueriesRunInOneSnapshotOnOneSessionInTheirOrder) {
  // "by_status" is listed first in the snapshot, though second in the catalog.
  Make({InSnapshot(Query("total"), 1), Query("other"), InSnapshot(Query("by_status"), 0)},
       1, /*max_concurrent=*/4);
  auto families = engine_->Scrape(2s).Flatten();
  for (const char* q : {"total", "other", "by_status"})
    EXPECT_EQ(Find(families, "replica_sql_query_success", q), 1) << q;
  const FakeMember member = backend_.Get(1);
  EXPECT_EQ(member.snapshots_begun, 1);
  EXPECT_EQ(member.snapshots_ended, 1);
  std::vector<std::string> in_snapshot;
  for (const std::string& s : Statements(member)) {
    if (s.find("(in snapshot") != std::string::npos) in_snapshot.push_back(s);
  }
  EXPECT_EQ(in_snapshot, (std::vector<std::string>{"by_status (in snapshot 1)",
                                                   "total (in snapshot 1)"}));
  EXPECT_NE(std::find(Statements(member).begin(), Statements(member).end(), "other"),
            Statements(member).end())
      << "a query outside the snapshot runs on its own";
  std::vector<std::string> sessions;
  for (const std::string& s : member.statements)
    if (s.find("(in snapshot") != std::string::npos) sessions.push_back(Session(s));
  ASSERT_EQ(sessions.size(), 2u);
  EXPECT_EQ(sessions[0], sessions[1]) << "one session";
}

TEST_F(ScrapeEngineTest, AFailingQueryInASnapshotFailsAloneAndIsCountedOnce) {
  Make({InSnapshot(Query("a"), 0), InSnapshot(Query("b"), 1), InSnapshot(Query("c"), 2)});
  OnQuery(1, [](std::string_view sql, const Deadline&) -> StatusOr<RowSet> {
    if (sql == "b") return Status::InvalidArgument("postgres: relation \"nope\" does not exist");
    return Value(sql == "a" ? 1 : 3);
  });
  auto families = engine_->Scrape(2s).Flatten();
  EXPECT_EQ(Find(families, "a_value"), 1);
  EXPECT_EQ(Find(families, "c_value"), 3);
  EXPECT_FALSE(Find(families, "b_value"));
  EXPECT_EQ(Find(families, "replica_sql_query_success", "b"), 0);
  EXPECT_EQ(Find(families, "replica_sql_query_errors_total", "b", "sql"), 1);
  EXPECT_EQ(Find(families, "replica_sql_query_errors_total", "a", "sql"), 0);
  EXPECT_EQ(Find(families, "replica_sql_up"), 1);
}

TEST_F(ScrapeEngineTest, ASnapshotThatCannotBeginFailsEachOfItsQueries) {
  Make({InSnapshot(Query("a"), 0), InSnapshot(Query("b"), 1), Query("plain")});
  backend_.Edit(1, [](FakeMember& m) {
    m.snapshot_error = Status::InvalidArgument("postgres: snapshots are not possible here");
  });
  auto families = engine_->Scrape(2s).Flatten();
  EXPECT_EQ(Find(families, "replica_sql_query_errors_total", "a", "sql"), 1);
  EXPECT_EQ(Find(families, "replica_sql_query_errors_total", "b", "sql"), 1);
  EXPECT_EQ(Find(families, "plain_value"), 1);
  EXPECT_EQ(backend_.Get(1).queries, 1) << "only the plain query ran";
}

TEST_F(ScrapeEngineTest, AReplicaLostMidSnapshotRunsTheWholeSnapshotAgainOnTheNext) {
  Make({InSnapshot(Query("a"), 0), InSnapshot(Query("b"), 1)}, 2);
  // Whichever member serves first loses its connection at "b"; the other answers.
  std::atomic<int> lost_on = 0;
  auto script = [&](int port) {
    return [&, port](std::string_view sql, const Deadline&) -> StatusOr<RowSet> {
      int expected = 0;
      if (sql == "b" && lost_on.compare_exchange_strong(expected, port))
        return Status::Unavailable("server closed the connection unexpectedly");
      return Value(port * 10 + (sql == "a" ? 1 : 2));
    };
  };
  OnQuery(1, script(1));
  OnQuery(2, script(2));
  auto families = engine_->Scrape(2s).Flatten();
  const int other = lost_on == 1 ? 2 : 1;
  EXPECT_EQ(Find(families, "a_value"), other * 10 + 1) << "a again, from the other replica";
  EXPECT_EQ(Find(families, "b_value"), other * 10 + 2);
  EXPECT_EQ(backend_.Get(other).snapshots_begun, 1);
  EXPECT_EQ(backend_.Get(lost_on).snapshots_ended, 1);
}

TEST_F(ScrapeEngineTest, ASnapshotIsCachedAndRefreshedAsOne) {
  Make({InSnapshot(Query("a"), 0, 5min), InSnapshot(Query("b"), 1, 5min)});
  // Both queries answer with the number of the snapshot they run in.
  OnQuery(1, [&](std::string_view, const Deadline&) {
    return Value(backend_.Get(1).snapshots_begun);
  });
  auto first = engine_->Scrape(2s).Flatten();
  EXPECT_EQ(Find(first, "a_value"), 1);
  EXPECT_EQ(Find(first, "b_value"), 1);
  clock_.Advance(6min);  // Stale: served while one refresh of both runs.
  auto stale = engine_->Scrape(2s).Flatten();
  EXPECT_EQ(Find(stale, "a_value"), 1);
  EXPECT_EQ(Find(stale, "b_value"), 1);
  ASSERT_TRUE(published_.AwaitCount(4));
  auto fresh = engine_->Scrape(2s).Flatten();
  EXPECT_EQ(Find(fresh, "a_value"), 2);
  EXPECT_EQ(Find(fresh, "b_value"), 2);
  EXPECT_EQ(backend_.Get(1).snapshots_begun, 2);
  EXPECT_EQ(backend_.Get(1).queries, 4);
}

TEST_F(ScrapeEngineTest, ASnapshotPartlyInTheCacheRunsWhole) {
  // After a reload that changed one of its queries, only the other is adopted.
  Make({InSnapshot(Query("a"), 0, 5min), InSnapshot(Query("b"), 1, 5min)});
  OnQuery(1, [&](std::string_view, const Deadline&) {
    return Value(backend_.Get(1).snapshots_begun);
  });
  ASSERT_EQ(Find(engine_->Scrape(2s).Flatten(), "a_value"), 1);
  QuerySpec changed = InSnapshot(Query("b"), 1, 5min);
  changed.sql = "b2";
  ScrapeEngine next({InSnapshot(Query("a"), 0, 5min), changed}, {}, pool_.get(), &clock_,
                    &logger_);
  EXPECT_EQ(next.AdoptFrom(*engine_), (std::vector<std::string>{"a"}));
  auto families = next.Scrape(2s).Flatten();
  EXPECT_EQ(Find(families, "a_value"), 2) << "run again with b, not served from the old snapshot";
  EXPECT_EQ(Find(families, "b_value"), 2);
}

}  // namespace
}  // namespace rse
