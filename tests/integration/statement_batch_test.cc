// A connection's statements sent together (Connection::StreamBatch), on real
// servers: each keeps its own complete result, error, deadline and
// transaction; on PostgreSQL they travel in one message.
#include <gtest/gtest.h>

#include <deque>

#include "backend_fixture.h"
#include "tcp_proxy.h"

namespace rse::testing {
namespace {

class StatementBatchTest : public BackendTest {
 protected:
  // A batch of `sqls`, each bounded by 10 s from now and, when given, its own timeout.
  struct Run {
    std::vector<BatchStatement> statements;
    std::deque<RowSetSink> sinks;
  };
  Run Batch(Connection& conn, const std::vector<std::pair<std::string, std::optional<std::chrono::milliseconds>>>& sqls) {
    Run run;
    for (const auto& [sql, timeout] : sqls) {
      BatchStatement& statement = run.statements.emplace_back();
      statement.sql = sql;
      statement.name = "batch_test";
      statement.sink = &run.sinks.emplace_back();
      statement.deadline.bound = In(10s);
      statement.deadline.timeout = timeout;
    }
    conn.StreamBatch(run.statements, *DefaultClock());
    return run;
  }
  static std::string FirstCell(const Run& run, size_t i) {
    const RowSet& rows = run.sinks[i].rows;
    return rows.rows.empty() || !rows.rows[0][0] ? "<none>" : *rows.rows[0][0];
  }
  std::string Failing() const { return pg() ? "SELECT 1/0 AS boom" : "SELECT * FROM rse_no_such_table"; }
  std::string Sleep(double seconds) const {
    return pg() ? "SELECT 1 AS one FROM pg_sleep(" + std::to_string(seconds) + ")"
                : "SELECT SLEEP(" + std::to_string(seconds) + ") AS slept";
  }
};

TEST_P(StatementBatchTest, EveryStatementGetsItsOwnCompleteResult) {
  auto conn = ConnectTo(env().replicas[0]);
  ASSERT_TRUE(conn);
  const std::string many = pg() ? "SELECT g AS n FROM generate_series(1, 5000) g"
                                : "SELECT seq AS n FROM seq_1_to_5000";
  Run run = Batch(*conn, {{"SELECT 1 AS a", {}}, {many, {}}, {"SELECT 'x' AS t", {}}});
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_TRUE(run.statements[i].ran) << i;
    EXPECT_TRUE(run.statements[i].status.ok()) << i << ": " << run.statements[i].status.message();
  }
  EXPECT_EQ(FirstCell(run, 0), "1");
  ASSERT_EQ(run.sinks[1].rows.rows.size(), 5000u);
  EXPECT_EQ(*run.sinks[1].rows.rows[4999][0], "5000");
  EXPECT_EQ(FirstCell(run, 2), "x");
  EXPECT_TRUE(conn->Usable());
}

// The statements after one that failed run all the same, with their results
// intact; the session stays usable (the failure was the query's).
TEST_P(StatementBatchTest, AFailingStatementFailsOnlyItself) {
  auto conn = ConnectTo(env().replicas[0]);
  ASSERT_TRUE(conn);
  std::vector<std::string> failures = {Failing()};
  if (pg()) failures.push_back("SELEC 1 AS typo");  // Fails the whole message at parse time.
  for (const std::string& failing : failures) {
    SCOPED_TRACE(failing);
    Run run = Batch(*conn, {{"SELECT 1 AS a", {}}, {failing, {}}, {"SELECT 3 AS c", {}},
                            {"SELECT 4 AS d", {}}});
    EXPECT_TRUE(run.statements[0].status.ok()) << run.statements[0].status.message();
    EXPECT_EQ(run.statements[1].status.code(), Status::Code::kInvalidArgument)
        << run.statements[1].status.message();
    for (size_t i : {0u, 2u, 3u}) {
      EXPECT_TRUE(run.statements[i].ran) << i;
      EXPECT_TRUE(run.statements[i].status.ok()) << i << ": " << run.statements[i].status.message();
    }
    EXPECT_EQ(FirstCell(run, 0), "1");
    EXPECT_EQ(FirstCell(run, 2), "3");
    EXPECT_EQ(FirstCell(run, 3), "4");
    EXPECT_TRUE(conn->Usable());
  }
}

// A statement's own timeout stops it on the server and nothing else; and it
// counts from when that statement starts, not from when the batch was sent.
TEST_P(StatementBatchTest, EachStatementHasItsOwnDeadlineFromItsOwnStart) {
  auto conn = ConnectTo(env().replicas[0]);
  ASSERT_TRUE(conn);
  Run run = Batch(*conn, {{"SELECT 1 AS a", {}},
                          {Sleep(3), 300ms},
                          {Sleep(0.5), {}},
                          {Sleep(0.5), 900ms},  // Starts ~0.8 s in: within its own 0.9 s.
                          {"SELECT 5 AS e", {}}});
  EXPECT_EQ(run.statements[1].status.code(), Status::Code::kDeadlineExceeded)
      << run.statements[1].status.message();
  for (size_t i : {0u, 2u, 3u, 4u}) {
    EXPECT_TRUE(run.statements[i].status.ok()) << i << ": " << run.statements[i].status.message();
  }
  EXPECT_EQ(FirstCell(run, 4), "5");
  EXPECT_TRUE(conn->Usable());
  EXPECT_EQ(RunningSleeps(env().replicas[0]), 0) << "the stopped statement is gone from the server";
}

// One round trip for the whole batch, as a proxy between sees it; a failure
// in the middle costs the rest one more (and PostgreSQL one for its ROLLBACK).
TEST_P(StatementBatchTest, TheBatchCostsOneRoundTrip) {
  TcpProxy proxy(env().replicas[0]);
  auto conn = ConnectTo(proxy.address());
  ASSERT_TRUE(conn);
  const int before = proxy.client_turns();
  Run run = Batch(*conn, {{"SELECT 1 AS a", {}}, {"SELECT 2 AS b", {}}, {"SELECT 3 AS c", {}},
                          {"SELECT 4 AS d", {}}, {"SELECT 5 AS e", {}}});
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(FirstCell(run, i), std::to_string(i + 1));
  EXPECT_EQ(proxy.client_turns() - before, 1) << "five statements, one round trip";
  const int again = proxy.client_turns();
  run = Batch(*conn, {{"SELECT 1 AS a", {}}, {Failing(), {}}, {"SELECT 3 AS c", {}},
                      {"SELECT 4 AS d", {}}});
  EXPECT_EQ(FirstCell(run, 3), "4");
  EXPECT_EQ(proxy.client_turns() - again, pg() ? 3 : 2);
}

// What follows is PostgreSQL's.
class StatementBatchPostgresTest : public StatementBatchTest {};

// PostgreSQL: one message for the whole batch (one round trip across a
// network): the second statement sees the first in the text the server got.
TEST_P(StatementBatchPostgresTest, TheBatchIsOneMessage) {
  auto conn = ConnectTo(env().replicas[0]);
  ASSERT_TRUE(conn);
  const std::string seen =
      "SELECT strpos(current_query(), 'rse_batch_' || 'marker_17') > 0 AS together";
  Run run = Batch(*conn, {{"SELECT 'rse_batch_marker_17' AS marker", {}}, {seen, {}}});
  ASSERT_TRUE(run.statements[1].status.ok()) << run.statements[1].status.message();
  EXPECT_EQ(FirstCell(run, 1), "t");
}

// PostgreSQL: a batch on a primary runs nothing there: the first statement's
// gate stops it, and the rest did not run (for the pool to run elsewhere).
TEST_P(StatementBatchPostgresTest, OnAPrimaryNothingOfTheBatchRuns) {
  auto conn = ConnectTo(env().primary);
  ASSERT_TRUE(conn);
  Run run = Batch(*conn, {{"SELECT 1 AS a", {}}, {"SELECT 2 AS b", {}}});
  EXPECT_TRUE(run.statements[0].ran);
  EXPECT_EQ(run.statements[0].status.code(), Status::Code::kFailedPrecondition)
      << run.statements[0].status.message();
  EXPECT_FALSE(run.statements[1].ran);
  EXPECT_TRUE(run.sinks[1].rows.columns.empty());
  EXPECT_FALSE(conn->Usable());
}

INSTANTIATE_TEST_SUITE_P(Engines, StatementBatchTest, ::testing::ValuesIn(AllEnvs()),
                         [](const auto& info) { return info.param->name; });
INSTANTIATE_TEST_SUITE_P(Engines, StatementBatchPostgresTest, ::testing::Values(&PostgresEnv()),
                         [](const auto& info) { return info.param->name; });

}  // namespace
}  // namespace rse::testing
