// Each backend against the real clusters, for both engines: roles, lag,
// deadlines and server-side cancellation, types, lost sessions.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <thread>

#include "backend_fixture.h"
#include "db/value_conversion.h"

namespace rse::testing {
namespace {

TEST_P(BackendTest, QueriesTheDemoDataOnAReplica) {
  auto conn = ConnectTo(env().replicas[0]);
  ASSERT_TRUE(conn);
  auto rows =
      conn->Query("SELECT status, count(*) AS orders FROM orders GROUP BY status ORDER BY status",
                  In(5s), "it", kNoRowLimit);
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  ASSERT_EQ(rows->columns.size(), 2u);
  EXPECT_EQ(rows->columns[0].name, "status");
  EXPECT_EQ(rows->columns[1].name, "orders");
  EXPECT_EQ(rows->columns[1].kind, ColumnKind::kInteger);
  ASSERT_EQ(rows->rows.size(), 4u);
  EXPECT_EQ(rows->rows[0][0], "cancelled");
  EXPECT_EQ(rows->rows[0][1], "500");
}

TEST_P(BackendTest, ProbeTellsReplicaFromPrimary) {
  auto replica = ConnectTo(env().replicas[0]);
  ASSERT_TRUE(replica);
  auto state = replica->Probe(In(5s));
  ASSERT_TRUE(state.ok()) << state.status().message();
  EXPECT_TRUE(state->is_replica);
  EXPECT_TRUE(state->streaming);
  EXPECT_TRUE(state->applying);
  ASSERT_TRUE(state->lag_seconds.has_value());
  EXPECT_LT(*state->lag_seconds, 5.0);
  EXPECT_TRUE(state->election.empty());

  auto primary = ConnectTo(env().primary);
  ASSERT_TRUE(primary);
  auto primary_state = primary->Probe(In(5s));
  ASSERT_TRUE(primary_state.ok()) << primary_state.status().message();
  EXPECT_FALSE(primary_state->is_replica);
}

TEST_P(BackendTest, IdleClusterReportsNoLag) {
  // With no writes for a while, the naive now() - last replay grows; ours must not.
  testing::WaitReplicasCaughtUp(env());
  // The premise, not a synchronisation: time passes on an idle primary.
  std::this_thread::sleep_for(1500ms);
  auto conn = ConnectTo(env().replicas[1]);
  ASSERT_TRUE(conn);
  auto state = conn->Probe(In(5s));
  ASSERT_TRUE(state.ok()) << state.status().message();
  ASSERT_TRUE(state->lag_seconds.has_value());
  EXPECT_LT(*state->lag_seconds, 1.0);
}

TEST_P(BackendTest, DeadlineStopsTheStatementOnTheServer) {
  auto conn = ConnectTo(env().replicas[0]);
  ASSERT_TRUE(conn);
  auto start = std::chrono::steady_clock::now();
  auto result = conn->Query(SleepSql(10), In(700ms), "it", kNoRowLimit);
  auto took = std::chrono::steady_clock::now() - start;
  if (pg()) {
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), Status::Code::kDeadlineExceeded) << result.status().message();
  } else if (result.ok()) {
    // MariaDB ends SLEEP() early and returns 1 when the statement is killed.
    ASSERT_EQ(result->rows.size(), 1u);
    EXPECT_EQ(result->rows[0][0], "1");
  }
  EXPECT_LT(took, 1500ms);
  EXPECT_EQ(RunningSleeps(env().replicas[0]), 0) << "the statement must be gone from the server";
}

TEST_P(BackendTest, CancelFromAnotherThreadStopsTheStatement) {
  auto conn = ConnectTo(env().replicas[1]);
  ASSERT_TRUE(conn);
  std::thread canceller([&] {
    // Once the statement runs on the server.
    testing::Eventually([&] { return RunningSleeps(env().replicas[1]) >= 1; });
    conn->Cancel();
  });
  auto start = std::chrono::steady_clock::now();
  auto result = conn->Query(SleepSql(10), In(30s), "it", kNoRowLimit);
  auto took = std::chrono::steady_clock::now() - start;
  canceller.join();
  EXPECT_LT(took, 2s);
  EXPECT_FALSE(conn->Usable()) << "a cancelled session is never reused";
  EXPECT_TRUE(testing::Eventually([&] { return RunningSleeps(env().replicas[1]) == 0; }, 2s))
      << "the statement must be gone from the server";
}

TEST_P(BackendTest, ARunningQueryIsIdentifiableOnTheServer) {
  auto conn = ConnectTo(env().replicas[1]);
  ASSERT_TRUE(conn);
  std::thread runner(
      [&] { (void)conn->Query(SleepSql(2), In(30s), "orders_by_status", kNoRowLimit); });
  const std::string sql =
      pg() ? "SELECT application_name FROM pg_stat_activity WHERE usename = 'exporter' AND "
             "state = 'active' AND query LIKE '%sleep%'"
           : "SELECT LEFT(info, 52) FROM information_schema.processlist WHERE user = 'exporter' "
             "AND command = 'Query' AND info LIKE '%SLEEP%'";
  std::vector<std::vector<std::string>> rows;
  EXPECT_TRUE(testing::Eventually([&] {
    rows = testing::AdminQuery(env(), env().replicas[1], sql);
    return !rows.empty();
  }));
  ASSERT_FALSE(rows.empty());
  const std::string want = pg() ? "replica_sql_exporter/orders_by_status"
                                : "/* replica_sql_exporter query=orders_by_status */ ";
  EXPECT_EQ(rows[0][0].substr(0, want.size()), want);
  conn->Cancel();
  runner.join();
}

TEST_P(BackendTest, ConvertsEveryColumnType) {
  auto conn = ConnectTo(env().replicas[0]);
  ASSERT_TRUE(conn);
  const std::string sql =
      pg() ? "SELECT 9007199254740993::bigint AS big, 12345.67::numeric(12,2) AS dec, 1.5::float8 "
             "AS flt, "
             "true AS flag, '2026-01-02 03:04:05'::timestamp AS ts, '2026-01-02 "
             "03:04:05+01'::timestamptz AS tstz, "
             "NULL::int AS nothing, 'Zürich 東京'::text AS city, '42'::text AS numeric_text"
           : "SELECT CAST(9007199254740993 AS SIGNED) AS big, CAST(12345.67 AS DECIMAL(12,2)) AS "
             "`dec`, "
             "CAST(1.5 AS DOUBLE) AS flt, TRUE AS flag, CAST('2026-01-02 03:04:05' AS DATETIME) AS "
             "ts, "
             "CONVERT_TZ('2026-01-02 03:04:05', '+01:00', '+00:00') AS tstz, NULL AS nothing, "
             "'Zürich 東京' AS city, '42' AS numeric_text";
  auto rows = conn->Query(sql, In(5s), "it", kNoRowLimit);
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  ASSERT_EQ(rows->rows.size(), 1u);
  const auto& row = rows->rows[0];
  auto value = [&](size_t c) {
    auto v = CellToDouble(rows->columns[c].kind, *row[c]);
    EXPECT_TRUE(v.ok()) << rows->columns[c].name << ": " << v.status().message();
    return v.ok() ? *v : std::nan("");
  };
  EXPECT_EQ(*row[0], "9007199254740993") << "integers arrive exact";
  EXPECT_EQ(value(0), 9007199254740992.0);  // The nearest float64.
  EXPECT_EQ(*row[1], "12345.67");
  EXPECT_EQ(value(1), 12345.67);
  EXPECT_EQ(value(2), 1.5);
  EXPECT_EQ(value(3), 1.0);
  EXPECT_EQ(value(4), 1767323045.0);  // 2026-01-02T03:04:05Z
  EXPECT_EQ(value(5), 1767319445.0);  // 02:04:05Z
  EXPECT_FALSE(row[6].has_value()) << "NULL stays NULL";
  EXPECT_EQ(*row[7], "Zürich 東京");
  EXPECT_FALSE(CellToDouble(rows->columns[7].kind, *row[7]).ok()) << "text is not a number";
  EXPECT_EQ(value(8), 42.0);
}

TEST_P(BackendTest, KilledSessionIsAConnectionError) {
  auto conn = ConnectTo(env().replicas[0]);
  ASSERT_TRUE(conn);
  ASSERT_TRUE(conn->Query("SELECT 1 AS one", In(5s), "it", kNoRowLimit).ok());
  testing::AdminExec(
      env(), env().replicas[0],
      pg() ? "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'exporter'"
           : "SELECT 1");  // MariaDB: killed below, by id.
  if (!pg()) {
    for (const auto& row : testing::AdminQuery(
             env(), env().replicas[0],
             "SELECT id FROM information_schema.processlist WHERE user = 'exporter'")) {
      testing::AdminExec(env(), env().replicas[0], "KILL " + row[0]);
    }
  }
  auto result = conn->Query("SELECT 1 AS one", In(5s), "it", kNoRowLimit);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), Status::Code::kUnavailable) << result.status().message();
  EXPECT_FALSE(conn->Usable());
}

TEST_P(BackendTest, ClosedPortIsUnavailableAtOnce) {
  auto start = std::chrono::steady_clock::now();
  auto conn = backend_->Connect(env().Params({"127.0.0.1", 1}), In(5s));
  EXPECT_FALSE(conn.ok());
  EXPECT_EQ(conn.status().code(), Status::Code::kUnavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
}

INSTANTIATE_TEST_SUITE_P(Engines, BackendTest, ::testing::ValuesIn(AllEnvs()),
                         [](const auto& info) { return info.param->name; });

}  // namespace
}  // namespace rse::testing
