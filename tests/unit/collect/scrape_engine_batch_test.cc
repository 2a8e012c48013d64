// The scrape engine's batches: a worker sends its share of the quick queries
// together on its connection; a slow or failing query runs alone; what fails
// in a batch fails alone, and a replica lost mid-batch moves the rest.
#include <gtest/gtest.h>

#include <numeric>

#include "collect/batch_policy.h"
#include "collect/scrape_engine_fixture.h"

namespace rse {
namespace {

using namespace std::chrono_literals;
using testing::FakeMember;

std::vector<QuerySpec> Queries(const std::vector<std::string>& names) {
  std::vector<QuerySpec> queries;
  for (const std::string& name : names) queries.push_back(Query(name));
  return queries;
}

TEST_F(ScrapeEngineTest, QuickQueriesGoOneBatchPerConnection) {
  Make(Queries({"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}), /*members=*/1,
       /*max_concurrent=*/2);
  // Both workers start their batch before either finishes one: else the
  // first, done before the second woke up, takes part of its share.
  Gate both;
  std::atomic<int> statements = 0;
  OnQuery(1, [&](std::string_view, const Deadline&) -> StatusOr<RowSet> {
    if (++statements == 1) {
      both.Wait();
    } else if (statements == 2) {
      both.Release();
    }
    return Value(1);
  });
  auto families = engine_->Scrape(2s).Flatten();
  for (const std::string name : {"a", "e", "j"}) EXPECT_EQ(Find(families, name + "_value"), 1);
  const std::vector<size_t> batches = backend_.Get(1).batches;
  EXPECT_EQ(batches, (std::vector<size_t>{5, 5})) << "an even share for each of 2 connections";
}

TEST_F(ScrapeEngineTest, ASlowOrFailingQueryRunsAloneTheNextTime) {
  Make(Queries({"a", "b", "slow", "bad", "c"}), /*members=*/1, /*max_concurrent=*/1);
  OnQuery(1, [this](std::string_view sql, const Deadline&) -> StatusOr<RowSet> {
    if (sql == "slow") clock_.Advance(300ms);  // Past BatchPolicy::kQuickSeconds.
    if (sql == "bad") return Status::InvalidArgument("postgres: syntax error");
    return Value(1);
  });
  engine_->Scrape(5s);
  EXPECT_EQ(backend_.Get(1).batches, (std::vector<size_t>{5})) << "nothing known yet: all quick";
  auto families = engine_->Scrape(5s).Flatten();
  EXPECT_EQ(backend_.Get(1).batches, (std::vector<size_t>{5, 3})) << "a, b and c; the others alone";
  EXPECT_EQ(Find(families, "slow_value"), 1);
  EXPECT_EQ(Find(families, "c_value"), 1);
  EXPECT_EQ(Find(families, "replica_sql_query_errors_total", "bad", "sql"), 2);
}

TEST_F(ScrapeEngineTest, AQueryThatFailsInABatchFailsAloneAndTheOthersAreServed) {
  Make(Queries({"a", "b", "c"}), /*members=*/1, /*max_concurrent=*/1);
  OnQuery(1, [](std::string_view sql, const Deadline&) -> StatusOr<RowSet> {
    if (sql == "b") return Status::InvalidArgument("postgres: division by zero");
    return Value(sql == "a" ? 1 : 3);
  });
  auto families = engine_->Scrape(2s).Flatten();
  EXPECT_EQ(backend_.Get(1).batches, (std::vector<size_t>{3}));
  EXPECT_EQ(Find(families, "a_value"), 1);
  EXPECT_EQ(Find(families, "c_value"), 3);
  EXPECT_FALSE(Find(families, "b_value"));
  EXPECT_EQ(Find(families, "replica_sql_query_success", "b"), 0);
  EXPECT_EQ(Find(families, "replica_sql_query_errors_total", "b", "sql"), 1);
  EXPECT_EQ(Find(families, "replica_sql_up"), 1);
}

TEST_F(ScrapeEngineTest, AReplicaLostMidBatchMovesTheRestOfTheScrape) {
  Make(Queries({"a", "b", "c"}), /*members=*/2, /*max_concurrent=*/1);
  OnQuery(1, [](std::string_view sql, const Deadline&) -> StatusOr<RowSet> {
    if (sql == "b") return Status::Unavailable("server closed the connection unexpectedly");
    return Value(1);
  });
  OnQuery(2, [](std::string_view, const Deadline&) { return Value(2); });
  auto families = engine_->Scrape(2s).Flatten();
  EXPECT_EQ(Find(families, "a_value"), 1);
  EXPECT_EQ(Find(families, "b_value"), 2) << "run again where the scrape moved";
  EXPECT_TRUE(Find(families, "c_value"));
  EXPECT_EQ(Find(families, "replica_sql_query_success", "b"), 1);
  EXPECT_EQ(Find(families, "replica_sql_up"), 1);
  EXPECT_EQ(pool_->Snapshot()[0].state, MemberState::kDown);
  EXPECT_EQ(
      FindExact(families, "replica_sql_query_replica_info", {{"query", "b"}, {"replica", "db:2"}}),
      1);
}

TEST(BatchPolicyTest, OnlyPlainQuickStatementsShareABatch) {
  BatchPolicy policy;
  QuerySpec plain = Query("plain");
  EXPECT_TRUE(policy.Quick(plain)) << "never ran: quick until it shows otherwise";
  QueryOutcome fast;
  fast.duration_seconds = 0.01;
  policy.Record("plain", fast);
  EXPECT_TRUE(policy.Quick(plain));
  QueryOutcome slow;
  slow.duration_seconds = BatchPolicy::kQuickSeconds + 0.01;
  policy.Record("plain", slow);
  EXPECT_FALSE(policy.Quick(plain));
  policy.Record("plain", QueryOutcome::Failed(QueryError::kSql, Status::InvalidArgument("x")));
  EXPECT_FALSE(policy.Quick(plain)) << "a failing query would cost the others a round trip";
  policy.Record("plain", fast);
  EXPECT_TRUE(policy.Quick(plain));
  QuerySpec several = Query("several");
  several.sql = "SELECT 1; SELECT 2";
  EXPECT_FALSE(policy.Quick(several));
  several.sql = "SELECT 1 AS v;  ";
  EXPECT_TRUE(policy.Quick(several)) << "trailing semicolons are dropped before it is sent";
}

TEST(BatchPolicyTest, EachConnectionTakesAnEvenShareUpToTheMost) {
  EXPECT_EQ(BatchPolicy::Share(10, 2), 5u);
  EXPECT_EQ(BatchPolicy::Share(10, 4), 3u);
  EXPECT_EQ(BatchPolicy::Share(1, 4), 1u);
  EXPECT_EQ(BatchPolicy::Share(0, 4), 1u);
  EXPECT_EQ(BatchPolicy::Share(1000, 4), BatchPolicy::kMaxBatch);
  EXPECT_EQ(BatchPolicy::Share(3, 0), 3u);
}

}  // namespace
}  // namespace rse
