// What a backend session guarantees, for both engines: read-only even for a
// superuser (backend_read_only_test.cc), the exporter's session guards,
// credentials, and TLS.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iostream>

#include "backend_fixture.h"
#include "config/password.h"

namespace rse::testing {
namespace {

// The same fixture, as its own suite.
class BackendSessionTest : public BackendTest {};

// PostgreSQL: a session that reached a primary (a load balancer, a pooler, a
// promotion) runs no catalog statement there: the gate in its transaction stops it.
// What a statement sent on a session does to it must not fail the next probe:
// PostgreSQL's DEALLOCATE ALL (not undone by our ROLLBACK; the catalog refuses
// it at load, but a function could send it) drops the probe's prepared
// statement, which is then defined again.
TEST_P(BackendSessionTest, AProbeSurvivesAStatementThatDroppedItsPreparedStatement) {
  auto conn = std::move(backend_->Connect(env().Params(env().replicas[0]), In(5s))).value();
  ASSERT_TRUE(conn->Probe(In(5s)).ok());
  (void)conn->Query(pg() ? "DEALLOCATE ALL" : "SELECT 1 INTO @x", In(5s), "it", kNoRowLimit);
  auto fresh = std::move(backend_->Connect(env().Params(env().replicas[0]), In(5s))).value();
  for (Connection* c : {conn.get(), fresh.get()}) {
    if (!c->Usable()) continue;  // A session its statement broke is replaced by the pool.
    auto probe = c->Probe(In(5s));
    ASSERT_TRUE(probe.ok()) << probe.status().message();
    EXPECT_TRUE(probe->is_replica);
  }
  EXPECT_TRUE(!pg() || conn->Usable()) << "DEALLOCATE ALL leaves a PostgreSQL session usable";
}

// MariaDB has no gate statement: a session is admitted by its probe, which
// says "not a replica" there.
TEST_P(BackendSessionTest, OnAPrimaryTheReplicaGateStopsTheStatementBeforeItRuns) {
  auto connected = backend_->Connect(env().Params(env().primary), In(5s));
  ASSERT_TRUE(connected.ok()) << connected.status().message();
  if (!pg()) {
    auto probe = (*connected)->Probe(In(5s));
    ASSERT_TRUE(probe.ok()) << probe.status().message();
    EXPECT_FALSE(probe->is_replica);
    return;
  }
  for (const std::string& sql : {std::string("SELECT 1 AS v"), std::string("SELECT 1 AS v; SELECT 2 AS w")}) {
    SCOPED_TRACE(sql);
    auto conn = std::move(backend_->Connect(env().Params(env().primary), In(5s))).value();
    auto result = conn->Query(sql, In(5s), "it", kNoRowLimit);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), Status::Code::kFailedPrecondition) << result.status().message();
    EXPECT_NE(result.status().message().find("not a replica"), std::string::npos);
    EXPECT_FALSE(conn->Usable()) << "a session on a primary is not kept";
  }
  auto replica = std::move(backend_->Connect(env().Params(env().replicas[0]), In(5s))).value();
  EXPECT_TRUE(replica->Query("SELECT 1 AS v", In(5s), "it", kNoRowLimit).ok());
}

TEST_P(BackendSessionTest, WrongPasswordFailsWithoutShowingIt) {
  ConnectParams params = env().Params(env().replicas[0]);
  params.password = "not-the-password-x9";
  auto conn = backend_->Connect(params, In(5s));
  ASSERT_FALSE(conn.ok());
  EXPECT_EQ(conn.status().code(), Status::Code::kUnavailable);
  EXPECT_EQ(conn.status().message().find("not-the-password-x9"), std::string::npos)
      << conn.status().message();
}

TEST_P(BackendSessionTest, PasswordFromFileAndEnvironment) {
  const std::string file = "/tmp/rse_test_password_" + env().name;
  std::ofstream(file) << env().password << "\n";
  setenv("RSE_TEST_PASSWORD", env().password.c_str(), 1);
  for (const PasswordSource& source :
       {PasswordSource{PasswordSource::Kind::kFile, file, "", "", {}},
        PasswordSource{PasswordSource::Kind::kEnv, "", "RSE_TEST_PASSWORD", "", {}}}) {
    auto password = ResolvePassword(source);
    ASSERT_TRUE(password.ok()) << password.status().message();
    ConnectParams params = env().Params(env().replicas[0]);
    params.password = *password;
    auto conn = backend_->Connect(params, In(5s));
    EXPECT_TRUE(conn.ok()) << conn.status().message();
  }
  std::remove(file.c_str());
}

TEST_P(BackendSessionTest, RequiredTlsFailsClosedAgainstAPlainServer) {
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
                 In(5s), "it", kNoRowLimit);
  EXPECT_TRUE(rows.ok()) << rows.status().message();
  return rows.ok() && !rows->rows.empty() ? rows->rows[0][0].value_or("?") : "?";
}

TEST_P(BackendSessionTest, TlsIsUsedAndVerifiedWhereTheServerOffersIt) {
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

TEST_P(BackendSessionTest, VerificationRejectsACertificateFromAnotherCa) {
  ConnectParams params = env().Params(env().replicas[0]);
  params.tls_mode = TlsMode::kVerifyFull;
  params.tls_ca_file = env().tls_other_ca;
  auto conn = backend_->Connect(params, In(5s));
  ASSERT_FALSE(conn.ok());
  EXPECT_EQ(conn.status().code(), Status::Code::kUnavailable);
}

TEST_P(BackendSessionTest, SessionsCarryTheExportersGuardsThenSessionSql) {
  ConnectParams params = env().Params(env().replicas[0]);
  params.session_sql = {pg() ? "SET search_path = public, pg_catalog"
                             : "SET SESSION sql_mode = 'ANSI_QUOTES'"};
  auto connected = backend_->Connect(params, In(5s));
  ASSERT_TRUE(connected.ok()) << connected.status().message();
  auto rows =
      (*connected)
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
                  In(5s), "", kNoRowLimit);  // No query name: the session's own application_name.
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

TEST_P(BackendSessionTest, AQueryThatChangesSessionStateCannotAffectTheNext) {
  auto connected = backend_->Connect(env().Params(env().replicas[1]), In(5s));
  ASSERT_TRUE(connected.ok()) << connected.status().message();
  Connection& conn = **connected;
  // What a catalog query might do, on purpose or not.
  const char* changes[] = {"SET search_path = nowhere; SELECT 1 AS v",
                           "SELECT set_config('search_path', 'nowhere', false) AS v"};
  if (pg()) {
    for (const char* change : changes) {
      SCOPED_TRACE(change);
      (void)conn.Query(change, In(5s), "changer", kNoRowLimit);
      auto rows = conn.Query("SELECT count(*) AS n FROM orders", In(5s), "victim", kNoRowLimit);
      ASSERT_TRUE(rows.ok()) << rows.status().message();
      EXPECT_EQ(*rows->rows[0][0], "2000");
    }
  } else {
    auto changed = conn.Query("SET sql_select_limit = 1", In(5s), "changer", kNoRowLimit);
    ASSERT_FALSE(changed.ok()) << "a statement without a result set is not a query";
    EXPECT_NE(changed.status().message().find("no result set"), std::string::npos)
        << changed.status().message();
    EXPECT_FALSE(conn.Usable()) << "it may have changed the session: never reused";
    auto fresh = backend_->Connect(env().Params(env().replicas[1]), In(5s));
    ASSERT_TRUE(fresh.ok());
    auto rows = (*fresh)->Query("SELECT status FROM orders", In(5s), "victim", kNoRowLimit);
    ASSERT_TRUE(rows.ok()) << rows.status().message();
    EXPECT_EQ(rows->rows.size(), 2000u);
  }
}

// Our framing around a catalog query (PostgreSQL: BEGIN, limits, the SQL and
// ROLLBACK in one string; MariaDB: SET STATEMENT ... FOR) must not change
// what the SQL means: a trailing comment or ";", a ";" in a literal, a syntax
// error (the session stays usable), several statements (PostgreSQL).
TEST_P(BackendSessionTest, TheFramingAroundAQueryKeepsItsMeaning) {
  auto connected = backend_->Connect(env().Params(env().replicas[1]), In(5s));
  ASSERT_TRUE(connected.ok()) << connected.status().message();
  Connection& conn = **connected;
  struct Case {
    std::string sql;
    std::string value;  // Empty: must fail as the query's fault.
  };
  std::vector<Case> cases = {
      {"SELECT 7 AS v -- a trailing comment", "7"},
      {"SELECT 8 AS v;  \n", "8"},
      {"SELECT 'a;b' AS v", "a;b"},
      {"SELECT 9 AS v /* comment; with a semicolon */", "9"},
      {"SELEKT 1", ""},
      {"SELECT 'unterminated AS v", ""},
  };
  if (pg()) cases.push_back({"SET LOCAL work_mem = '8MB'; SELECT current_setting('work_mem') AS v", "8MB"});
  for (const Case& c : cases) {
    SCOPED_TRACE(c.sql);
    auto rows = conn.Query(c.sql, In(5s), "framing", kNoRowLimit);
    if (c.value.empty()) {
      ASSERT_FALSE(rows.ok());
      EXPECT_EQ(rows.status().code(), Status::Code::kInvalidArgument) << rows.status().message();
    } else {
      ASSERT_TRUE(rows.ok()) << rows.status().message();
      ASSERT_EQ(rows->rows.size(), 1u);
      EXPECT_EQ(*rows->rows[0][0], c.value);
    }
    ASSERT_TRUE(conn.Usable()) << "a query's own error leaves the session usable";
    // And nothing of it is left open: the next statement runs at top level.
    auto after = conn.Query("SELECT 1 AS v", In(5s), "after", kNoRowLimit);
    ASSERT_TRUE(after.ok()) << after.status().message();
  }
  if (pg()) {
    auto setting = conn.Query("SELECT current_setting('work_mem') AS v", In(5s), "after", kNoRowLimit);
    ASSERT_TRUE(setting.ok());
    EXPECT_NE(*setting->rows[0][0], "8MB") << "SET LOCAL ended with the query's transaction";
    auto open = testing::AdminQuery(env(), env().replicas[1],
                                    "SELECT count(*) FROM pg_stat_activity WHERE usename = 'exporter' "
                                    "AND state LIKE 'idle in transaction%'");
    ASSERT_FALSE(open.empty());
    EXPECT_EQ(open[0][0], "0") << "no transaction left open between statements";
  }
}

TEST_P(BackendSessionTest, AFailingSessionSqlIsAConnectError) {
  ConnectParams params = env().Params(env().replicas[0]);
  params.session_sql = {"SET no_such_setting_here = 1"};
  auto connected = backend_->Connect(params, In(5s));
  ASSERT_FALSE(connected.ok());
  EXPECT_EQ(connected.status().code(), Status::Code::kUnavailable);
}

INSTANTIATE_TEST_SUITE_P(Engines, BackendSessionTest, ::testing::ValuesIn(AllEnvs()),
                         [](const auto& info) { return info.param->name; });

}  // namespace
}  // namespace rse::testing
