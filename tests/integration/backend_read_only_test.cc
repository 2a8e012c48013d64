// A backend session writes nothing, for both engines: plain and sneaky writes
// (functions, CTEs, locks, sequences) fail and change nothing, even on the
// primary as a superuser.
#include <gtest/gtest.h>

#include <cstdlib>

#include "backend_fixture.h"

namespace rse::testing {
namespace {

using namespace std::chrono_literals;

// The same fixture, as its own suite.
class BackendReadOnlyTest : public BackendTest {};

TEST_P(BackendReadOnlyTest, WritesFailAndWriteNothingEvenOnThePrimaryAsASuperuser) {
  ConnectParams params = env().AdminParams(env().primary);
  params.replica_gate = false;  // The read-only guards themselves, on a primary.
  auto connected = backend_->Connect(params, In(5s));
  ASSERT_TRUE(connected.ok()) << connected.status().message();
  auto& conn = *connected;
  const std::string table = "rse_write_probe";
  testing::AdminExec(env(), env().primary, "DROP TABLE IF EXISTS " + table);
  for (const std::string& sql :
       {"CREATE TABLE " + table + " (x int)",
        std::string("INSERT INTO schema_version VALUES ('evil', CURRENT_TIMESTAMP)"),
        std::string("UPDATE orders SET total = 0 WHERE id = 1")}) {
    SCOPED_TRACE(sql);
    auto result = conn->Query(sql, In(5s), "it", kNoRowLimit);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), Status::Code::kInvalidArgument);
    EXPECT_NE(result.status().message().find("tried to write"), std::string::npos)
        << result.status().message();
    EXPECT_TRUE(conn->Usable());
  }
  if (pg()) {
    // A COMMIT smuggled into the SQL must not open a writable transaction.
    auto smuggled =
        conn->Query("COMMIT; CREATE TABLE " + table + " (x int)", In(5s), "it", kNoRowLimit);
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

// The rest of the write attempts a catalog query could make, as the exporter
// user on a replica: each fails or changes nothing, and the session stays usable.
TEST_P(BackendReadOnlyTest, SneakyWritesAreRefusedAndChangeNothing) {
  testing::AdminExec(env(), env().primary, "DROP TABLE IF EXISTS rse_victim");
  testing::AdminExec(env(), env().primary, "CREATE TABLE rse_victim (x int)");
  testing::AdminExec(env(), env().primary, "INSERT INTO rse_victim VALUES (1)");
  testing::AdminExec(env(), env().primary,
                     pg() ? "DROP SEQUENCE IF EXISTS rse_seq" : "DROP SEQUENCE IF EXISTS rse_seq");
  testing::AdminExec(env(), env().primary, "CREATE SEQUENCE rse_seq");
  // Grants as wide as a careless DBA's: the refusal must come from the
  // read-only session and the replica, not from missing privileges.
  if (pg()) {
    testing::AdminExec(env(), env().primary, "GRANT SELECT, USAGE ON SEQUENCE rse_seq TO exporter");
    testing::AdminExec(env(), env().primary, "GRANT SELECT, DELETE ON rse_victim TO exporter");
  } else {
    testing::AdminExec(env(), env().primary, "GRANT INSERT, DELETE, DROP ON shop.* TO exporter");
  }
  testing::WaitReplicasCaughtUp(env());
  auto connected = backend_->Connect(env().Params(env().replicas[1]), In(5s));
  ASSERT_TRUE(connected.ok()) << connected.status().message();
  auto& conn = *connected;
  std::vector<std::string> attempts = {
      "SELECT 1 AS v; DROP TABLE rse_victim",
      pg() ? "SELECT nextval('rse_seq') AS v" : "SELECT NEXTVAL(rse_seq) AS v",
      "SELECT x AS v FROM rse_victim FOR UPDATE",
      pg() ? "SET ROLE postgres" : "SET ROLE rse_admin",
      "DELETE FROM rse_victim",
  };
  for (const std::string& sql : attempts) {
    SCOPED_TRACE(sql);
    auto result = conn->Query(sql, In(5s), "it", kNoRowLimit);
    if (sql.find("FOR UPDATE") == std::string::npos || pg()) {
      EXPECT_FALSE(result.ok()) << "the server must refuse it";
    }
    if (!conn->Usable()) {
      auto again = backend_->Connect(env().Params(env().replicas[1]), In(5s));
      ASSERT_TRUE(again.ok());
      conn = std::move(*again);
    }
  }
  auto victim = testing::AdminQuery(env(), env().replicas[1],
                                    pg() ? "SELECT count(*) FROM pg_tables WHERE tablename = 'rse_victim'"
                                         : "SELECT count(*) FROM information_schema.tables WHERE "
                                           "table_name = 'rse_victim'");
  ASSERT_FALSE(victim.empty());
  EXPECT_EQ(victim[0][0], "1") << "the table is still there";
  auto rows = testing::AdminQuery(env(), env().primary, "SELECT count(*) FROM rse_victim");
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows[0][0], "1") << "its row too";

  auto seq = testing::AdminQuery(env(), env().primary,
                                 pg() ? "SELECT last_value, is_called FROM rse_seq"
                                      : "SELECT NEXTVAL(rse_seq)");
  ASSERT_FALSE(seq.empty());
  EXPECT_EQ(seq[0][0], "1") << "the sequence never advanced on the replica's behalf";
  if (!pg()) testing::AdminExec(env(), env().primary, "REVOKE INSERT, DELETE, DROP ON shop.* FROM exporter");
  testing::AdminExec(env(), env().primary, "DROP TABLE IF EXISTS rse_victim");
  testing::AdminExec(env(), env().primary, "DROP SEQUENCE IF EXISTS rse_seq");
}

INSTANTIATE_TEST_SUITE_P(Engines, BackendReadOnlyTest, ::testing::ValuesIn(AllEnvs()),
                         [](const auto& info) { return info.param->name; });

}  // namespace
}  // namespace rse::testing
