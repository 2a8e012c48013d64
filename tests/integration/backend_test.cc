// Each backend against the real clusters, for both engines: roles, read-only
// enforcement, deadlines and server-side cancellation, types, credentials.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "config/password.h"
#include "db/value_conversion.h"
#include "db_env.h"

namespace rse {
namespace {

using testing::ClusterEnv;
using namespace std::chrono_literals;

Deadline In(std::chrono::milliseconds d) { return Deadline::After(*DefaultClock(), d); }

class BackendTest : public ::testing::TestWithParam<const ClusterEnv*> {
 protected:
  const ClusterEnv& env() const { return *GetParam(); }
  bool pg() const { return env().engine == Engine::kPostgres; }

  std::unique_ptr<Connection> ConnectTo(const HostPort& member) {
    auto conn = backend_->Connect(env().Params(member), In(5s));
    EXPECT_TRUE(conn.ok()) << conn.status().message();
    return conn.ok() ? std::move(*conn) : nullptr;
  }

  // Statements of the exporter user still running on `member` (ours, sleeping).
  int RunningSleeps(const HostPort& member) {
    auto rows = testing::AdminQuery(env(), member,
                                    pg() ? "SELECT count(*) FROM pg_stat_activity WHERE usename = "
                                           "'exporter' AND state = 'active' "
                                           "AND query LIKE '%sleep%'"
                                         : "SELECT count(*) FROM information_schema.processlist "
                                           "WHERE user = 'exporter' AND command = 'Query' "
                                           "AND info LIKE '%SLEEP%'");
    return rows.empty() ? -1 : std::stoi(rows[0][0]);
  }

  std::string SleepSql(int seconds) const {
    return pg() ? "SELECT 1 AS one FROM pg_sleep(" + std::to_string(seconds) + ")"
                : "SELECT SLEEP(" + std::to_string(seconds) + ") AS slept";
  }

  std::unique_ptr<Backend> backend_ = env().MakeBackend();
};

TEST_P(BackendTest, QueriesTheDemoDataOnAReplica) {
  auto conn = ConnectTo(env().replicas[0]);
  ASSERT_TRUE(conn);
  auto rows = conn->Query(
      "SELECT status, count(*) AS orders FROM orders GROUP BY status ORDER BY status", In(5s));
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
  std::this_thread::sleep_for(1500ms);
  auto conn = ConnectTo(env().replicas[1]);
  ASSERT_TRUE(conn);
  auto state = conn->Probe(In(5s));
  ASSERT_TRUE(state.ok()) << state.status().message();
  ASSERT_TRUE(state->lag_seconds.has_value());
  EXPECT_LT(*state->lag_seconds, 1.0);
}

TEST_P(BackendTest, WritesFailAndWriteNothingEvenOnThePrimaryAsASuperuser) {
  auto connected = backend_->Connect(env().AdminParams(env().primary), In(5s));
  ASSERT_TRUE(connected.ok()) << connected.status().message();
  auto& conn = *connected;
  const std::string table = "rse_write_probe";
  testing::AdminExec(env(), env().primary, "DROP TABLE IF EXISTS " + table);
  for (const std::string& sql :
       {"CREATE TABLE " + table + " (x int)",
        std::string("INSERT INTO schema_version VALUES ('evil', CURRENT_TIMESTAMP)"),
        std::string("UPDATE orders SET total = 0 WHERE id = 1")}) {
    SCOPED_TRACE(sql);
    auto result = conn->Query(sql, In(5s));
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), Status::Code::kInvalidArgument);
    EXPECT_NE(result.status().message().find("tried to write"), std::string::npos)
        << result.status().message();
    EXPECT_TRUE(conn->Usable());
  }
  if (pg()) {
    // A COMMIT smuggled into the SQL must not open a writable transaction.
    auto smuggled = conn->Query("COMMIT; CREATE TABLE " + table + " (x int)", In(5s));
    EXPECT_FALSE(smuggled.ok());
  }
  auto tables = testing::AdminQuery(
      env(), env().primary,
      pg() ? "SELECT count(*) FROM pg_tables WHERE tablename = '" + table + "'"
           : "SELECT count(*) FROM information_schema.tables WHERE table_name = '" + table + "'");
  ASSERT_FALSE(tables.empty());
  EXPECT_EQ(tables[0][0], "0");
  auto evil = testing::AdminQuery(env(), env().primary,
                                  "SELECT count(*) FROM schema_version WHERE version = 'evil'");
  ASSERT_FALSE(evil.empty());
  EXPECT_EQ(evil[0][0], "0");
}

TEST_P(BackendTest, DeadlineStopsTheStatementOnTheServer) {
  auto conn = ConnectTo(env().replicas[0]);
  ASSERT_TRUE(conn);
  auto start = std::chrono::steady_clock::now();
  auto result = conn->Query(SleepSql(10), In(700ms));
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
    std::this_thread::sleep_for(300ms);
    conn->Cancel();
  });
  auto start = std::chrono::steady_clock::now();
  auto result = conn->Query(SleepSql(10), In(30s));
  auto took = std::chrono::steady_clock::now() - start;
  canceller.join();
  EXPECT_LT(took, 2s);
  EXPECT_FALSE(conn->Usable()) << "a cancelled session is never reused";
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(RunningSleeps(env().replicas[1]), 0);
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
  auto rows = conn->Query(sql, In(5s));
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

TEST_P(BackendTest, WrongPasswordFailsWithoutShowingIt) {
  ConnectParams params = env().Params(env().replicas[0]);
  params.password = "not-the-password-x9";
  auto conn = backend_->Connect(params, In(5s));
  ASSERT_FALSE(conn.ok());
  EXPECT_EQ(conn.status().code(), Status::Code::kUnavailable);
  EXPECT_EQ(conn.status().message().find("not-the-password-x9"), std::string::npos)
      << conn.status().message();
}

TEST_P(BackendTest, PasswordFromFileAndEnvironment) {
  const std::string file = "/tmp/rse_test_password_" + env().name;
  std::ofstream(file) << env().password << "\n";
  setenv("RSE_TEST_PASSWORD", env().password.c_str(), 1);
  for (const PasswordSource& source :
       {PasswordSource{PasswordSource::Kind::kFile, file, "", ""},
        PasswordSource{PasswordSource::Kind::kEnv, "", "RSE_TEST_PASSWORD", ""}}) {
    auto password = ResolvePassword(source);
    ASSERT_TRUE(password.ok()) << password.status().message();
    ConnectParams params = env().Params(env().replicas[0]);
    params.password = *password;
    auto conn = backend_->Connect(params, In(5s));
    EXPECT_TRUE(conn.ok()) << conn.status().message();
  }
  std::remove(file.c_str());
}

TEST_P(BackendTest, RequiredTlsFailsClosedAgainstAPlainServer) {
  for (TlsMode mode : {TlsMode::kRequire, TlsMode::kVerifyCa, TlsMode::kVerifyFull}) {
    ConnectParams params = env().Params(env().replicas[1]);  // Plain: no TLS.
    params.tls_mode = mode;
    params.tls_ca_file = env().tls_ca;
    auto conn = backend_->Connect(params, In(5s));
    ASSERT_FALSE(conn.ok()) << "tls_mode " << static_cast<int>(mode)
                            << " must refuse a plain-text server";
    EXPECT_EQ(conn.status().code(), Status::Code::kUnavailable);
  }
}

// Whether the session's traffic is encrypted, as the server sees it.
std::string EncryptionOf(Connection& conn, bool pg) {
  auto rows =
      conn.Query(pg ? "SELECT CASE WHEN ssl THEN 'tls' ELSE 'plain' END AS enc FROM pg_stat_ssl "
                      "WHERE pid = pg_backend_pid()"
                    : "SELECT IF(VARIABLE_VALUE <> '', 'tls', 'plain') AS enc FROM "
                      "information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'Ssl_cipher'",
                 In(5s));
  EXPECT_TRUE(rows.ok()) << rows.status().message();
  return rows.ok() && !rows->rows.empty() ? rows->rows[0][0].value_or("?") : "?";
}

TEST_P(BackendTest, TlsIsUsedAndVerifiedWhereTheServerOffersIt) {
  for (TlsMode mode :
       {TlsMode::kPrefer, TlsMode::kRequire, TlsMode::kVerifyCa, TlsMode::kVerifyFull}) {
    SCOPED_TRACE(static_cast<int>(mode));
    ConnectParams params = env().Params(env().replicas[0]);  // Serves TLS.
    params.tls_mode = mode;
    if (mode >= TlsMode::kVerifyCa) params.tls_ca_file = env().tls_ca;
    auto conn = backend_->Connect(params, In(5s));
    ASSERT_TRUE(conn.ok()) << conn.status().message();
    EXPECT_EQ(EncryptionOf(**conn, pg()), "tls");
  }
  ConnectParams plain = env().Params(env().replicas[0]);
  plain.tls_mode = TlsMode::kDisable;
  auto conn = backend_->Connect(plain, In(5s));
  ASSERT_TRUE(conn.ok()) << conn.status().message();
  EXPECT_EQ(EncryptionOf(**conn, pg()), "plain");
}

TEST_P(BackendTest, VerificationRejectsACertificateFromAnotherCa) {
  ConnectParams params = env().Params(env().replicas[0]);
  params.tls_mode = TlsMode::kVerifyFull;
  params.tls_ca_file = env().tls_other_ca;
  auto conn = backend_->Connect(params, In(5s));
  ASSERT_FALSE(conn.ok());
  EXPECT_EQ(conn.status().code(), Status::Code::kUnavailable);
}

TEST_P(BackendTest, KilledSessionIsAConnectionError) {
  auto conn = ConnectTo(env().replicas[0]);
  ASSERT_TRUE(conn);
  ASSERT_TRUE(conn->Query("SELECT 1 AS one", In(5s)).ok());
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
  auto result = conn->Query("SELECT 1 AS one", In(5s));
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

TEST_P(BackendTest, SessionsCarryTheExportersGuardsThenSessionSql) {
  ConnectParams params = env().Params(env().replicas[0]);
  params.session_sql = {pg() ? "SET search_path = public, pg_catalog"
                             : "SET SESSION sql_mode = 'ANSI_QUOTES'"};
  auto connected = backend_->Connect(params, In(5s));
  ASSERT_TRUE(connected.ok()) << connected.status().message();
  auto rows = (*connected)
                  ->Query(pg() ? "SELECT current_setting('application_name') AS app, "
                                 "current_setting('lock_timeout') AS lock_wait, "
                                 "current_setting('idle_in_transaction_session_timeout') AS idle, "
                                 "current_setting('TimeZone') AS tz, "
                                 "current_setting('default_transaction_read_only') AS ro, "
                                 "current_setting('search_path') AS custom"
                               : "SELECT 'n/a' AS app, @@session.lock_wait_timeout AS lock_wait, "
                                 "@@session.idle_transaction_timeout AS idle, "
                                 "@@session.time_zone AS tz, @@session.tx_read_only AS ro, "
                                 "@@session.sql_mode AS custom",
                          In(5s));
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  const auto& row = rows->rows[0];
  if (pg()) {
    EXPECT_EQ(*row[0], "replica_sql_exporter");
    EXPECT_EQ(*row[1], "5s");
    EXPECT_EQ(*row[2], "1min");
    EXPECT_EQ(*row[3], "UTC");
    EXPECT_EQ(*row[4], "on");
    EXPECT_EQ(*row[5], "public, pg_catalog");
  } else {
    EXPECT_EQ(*row[1], "5");
    EXPECT_EQ(*row[2], "60");
    EXPECT_EQ(*row[3], "+00:00");
    EXPECT_EQ(*row[4], "1");
    EXPECT_EQ(*row[5], "ANSI_QUOTES");
  }
}

TEST_P(BackendTest, AFailingSessionSqlIsAConnectError) {
  ConnectParams params = env().Params(env().replicas[0]);
  params.session_sql = {"SET no_such_setting_here = 1"};
  auto connected = backend_->Connect(params, In(5s));
  ASSERT_FALSE(connected.ok());
  EXPECT_EQ(connected.status().code(), Status::Code::kUnavailable);
}

INSTANTIATE_TEST_SUITE_P(Engines, BackendTest, ::testing::ValuesIn(testing::AllEnvs()),
                         [](const auto& info) { return info.param->name; });

}  // namespace
}  // namespace rse
