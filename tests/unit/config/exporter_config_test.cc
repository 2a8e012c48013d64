#include "config/exporter_config.h"

#include <gtest/gtest.h>

#include "testing/bad_file_cases.h"

namespace rse {
namespace {

using testing::LoadBadFileCases;
using testing::TestdataDir;

TEST(ExporterConfigTest, EachBadFileFailsWithItsMessage) {
  auto cases = LoadBadFileCases(TestdataDir() + "/config/bad");
  ASSERT_GE(cases.size(), 29u);  // A lost case file must not pass unnoticed.
  for (const auto& c : cases) {
    SCOPED_TRACE(c.path);
    auto config = LoadExporterConfig(c.path);
    ASSERT_FALSE(config.ok());
    EXPECT_NE(config.status().message().find(c.expected), std::string::npos)
        << "expected: " << c.expected << "\n     got: " << config.status().message();
  }
}

TEST(ExporterConfigTest, WhatAStartRefusesIsReportedWithLinesAndWithTheTextsOwnProblems) {
  const std::string text =
      "[cluster]\n"
      "name = \"shop\"\n"
      "engine = \"postgres\"\n"
      "database = \"shop\"\n"
      "user = \"exporter\"\n"
      "password_file = \"no_such_password_file\"\n"
      "replicas = [\"127.0.0.1:5432\"]\n"
      "failover = \"automatic\"\n"
      "connect_timeout = \"soon\"\n";
  // The text alone: only the duration is wrong.
  auto text_only = ParseExporterConfig(text, "shop.toml", "/nonexistent-dir");
  ASSERT_FALSE(text_only.ok());
  EXPECT_EQ(text_only.status().message().find("password_file"), std::string::npos);
  // For a start: all three, each with its line.
  auto for_start = ParseExporterConfig(text, "shop.toml", "/nonexistent-dir", {.for_start = true});
  ASSERT_FALSE(for_start.ok());
  const std::string& message = for_start.status().message();
  EXPECT_NE(message.find("shop.toml:6: [cluster] password_file: "), std::string::npos) << message;
  EXPECT_NE(message.find("shop.toml:8: [cluster] failover: \"automatic\" declares master election"),
            std::string::npos) << message;
  EXPECT_NE(message.find("shop.toml:9: [cluster] connect_timeout: "), std::string::npos) << message;
  // An unset variable and a helper that is not there, the same way.
  auto env = ParseExporterConfig(
      "[cluster]\nname = \"a\"\nengine = \"mysql\"\ndatabase = \"a\"\nuser = \"a\"\n"
      "password_env = \"RSE_TEST_NEVER_SET_EITHER\"\nreplicas = [\"h:3306\"]\n",
      "env.toml", ".", {.for_start = true});
  ASSERT_FALSE(env.ok());
  EXPECT_NE(env.status().message().find(
                "env.toml:6: [cluster] password_env: environment variable RSE_TEST_NEVER_SET_EITHER is not set"),
            std::string::npos)
      << env.status().message();
  auto helper = ParseExporterConfig(
      "[cluster]\nname = \"a\"\nengine = \"mysql\"\ndatabase = \"a\"\nuser = \"a\"\n"
      "password_command = [\"rse-no-such-helper\"]\nreplicas = [\"h:3306\"]\n",
      "helper.toml", ".", {.for_start = true});
  ASSERT_FALSE(helper.ok());
  EXPECT_NE(helper.status().message().find("helper.toml:6: [cluster] password_command: 'rse-no-such-helper'"),
            std::string::npos)
      << helper.status().message();
}

TEST(ExporterConfigTest, ReferenceFileShowsEveryDefault) {
  auto config =
      LoadExporterConfig(std::string(RSE_SOURCE_DIR) + "/config/replica_sql_exporter.toml");
  ASSERT_TRUE(config.ok()) << config.status().message();
  const ExporterConfig defaults;
  EXPECT_EQ(config->web.listen, defaults.web.listen);
  EXPECT_EQ(config->web.listen.port, kDefaultPort);
  EXPECT_EQ(config->scrape.timeout, defaults.scrape.timeout);
  EXPECT_EQ(config->scrape.timeout_offset, defaults.scrape.timeout_offset);
  EXPECT_EQ(config->scrape.max_concurrent_queries, defaults.scrape.max_concurrent_queries);
  EXPECT_EQ(config->cluster.connect_timeout, defaults.cluster.connect_timeout);
  EXPECT_EQ(config->cluster.max_replication_lag, defaults.cluster.max_replication_lag);
  EXPECT_EQ(config->cluster.failover, defaults.cluster.failover);
  EXPECT_EQ(config->cluster.tls_mode, defaults.cluster.tls_mode);
  EXPECT_EQ(config->cluster.tls_ca_file, defaults.cluster.tls_ca_file);
  EXPECT_EQ(config->cluster.session_sql, defaults.cluster.session_sql);
  EXPECT_EQ(config->pool.connections_per_replica, defaults.pool.connections_per_replica);
  EXPECT_EQ(config->pool.probe_timeout, defaults.pool.probe_timeout);
  EXPECT_EQ(config->pool.rise, defaults.pool.rise);
  EXPECT_EQ(config->pool.fall, defaults.pool.fall);
  EXPECT_EQ(config->cluster.when_all_lagging, defaults.cluster.when_all_lagging);
  EXPECT_EQ(config->cluster.pooler, defaults.cluster.pooler);
  EXPECT_EQ(config->cluster.members_are, defaults.cluster.members_are);
  EXPECT_EQ(config->cluster.dns_refresh, defaults.cluster.dns_refresh);
  EXPECT_TRUE(config->warnings.empty());
}

TEST(ExporterConfigTest, ReadsEveryKey) {
  auto config = ParseExporterConfig(R"(
[web]
listen_address = "127.0.0.1:9999"
[scrape]
timeout = "20s"
timeout_offset = "1s"
max_concurrent_queries = 8
[cluster]
name = "billing"
engine = "mysql"
database = "billing"
user = "exp"
password_file = "secrets/pw"
replicas = ["db1:3306", "[::1]:3307"]
connect_timeout = "3s"
max_replication_lag = "1m"
failover = "none"
when_all_lagging = "least_lagged"
tls_mode = "verify-full"
tls_ca_file = "/etc/passwd"
session_sql = ["SET SESSION sql_mode = ''"]
members_are = "load_balancers"
[pool]
connections_per_replica = 3
probe_timeout = "750ms"
rise = 3
fall = 2
[queries]
files = ["q/*.toml", "/abs/x.toml"]
)",
                                    "inline.toml", "/etc/rse");
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->web.listen, (HostPort{"127.0.0.1", 9999}));
  EXPECT_EQ(config->scrape.timeout, milliseconds(20'000));
  EXPECT_EQ(config->scrape.timeout_offset, milliseconds(1'000));
  EXPECT_EQ(config->scrape.max_concurrent_queries, 8);
  EXPECT_EQ(config->cluster.engine, Engine::kMysql);
  EXPECT_EQ(config->cluster.password.kind, PasswordSource::Kind::kFile);
  EXPECT_EQ(config->cluster.password.file, "/etc/rse/secrets/pw");
  ASSERT_EQ(config->cluster.replicas.size(), 2u);
  EXPECT_EQ(config->cluster.replicas[1], (HostPort{"::1", 3307}));
  EXPECT_EQ(config->cluster.replicas[1].ToString(), "[::1]:3307");
  EXPECT_EQ(config->cluster.connect_timeout, milliseconds(3'000));
  EXPECT_EQ(config->cluster.max_replication_lag, milliseconds(60'000));
  EXPECT_EQ(config->cluster.tls_mode, TlsMode::kVerifyFull);
  EXPECT_EQ(config->cluster.session_sql.size(), 1u);
  EXPECT_EQ(config->pool.connections_per_replica, 3);
  EXPECT_EQ(config->pool.probe_timeout, std::chrono::milliseconds(750));
  EXPECT_EQ(config->pool.rise, 3);
  EXPECT_EQ(config->pool.fall, 2);
  EXPECT_EQ(config->cluster.when_all_lagging, WhenAllLagging::kLeastLagged);
  EXPECT_EQ(config->cluster.members_are, MembersAre::kLoadBalancers);
  EXPECT_EQ(config->query_files, (std::vector<std::string>{"/etc/rse/q/*.toml", "/abs/x.toml"}));
}

TEST(ExporterConfigTest, PoolerIsAPostgresSettingNamedByPgBouncersPoolMode) {
  const std::string head = "[cluster]\nname = \"x\"\ndatabase = \"d\"\nuser = \"u\"\n"
                           "replicas = [\"db:5432\"]\n";
  auto pg = ParseExporterConfig(head + "engine = \"postgres\"\npooler = \"pgbouncer-transaction\"\n",
                                "pg.toml", ".");
  ASSERT_TRUE(pg.ok()) << pg.status().message();
  EXPECT_EQ(pg->cluster.pooler, Pooler::kTransaction);
  auto my = ParseExporterConfig(head + "engine = \"mysql\"\npooler = \"pgbouncer-session\"\n",
                                "my.toml", ".");
  ASSERT_FALSE(my.ok());
  EXPECT_NE(my.status().message().find("my.toml:7: [cluster] pooler: PgBouncer pools PostgreSQL"),
            std::string::npos)
      << my.status().message();
  auto typo = ParseExporterConfig(head + "engine = \"postgres\"\npooler = \"pgbouncer\"\n",
                                  "typo.toml", ".");
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.status().message().find("pgbouncer-statement"), std::string::npos)
      << typo.status().message();
}

TEST(ExporterConfigTest, ReplicasMayBeSrvNamesInsteadOfOrBesideAddresses) {
  const std::string head = "[cluster]\nname = \"x\"\ndatabase = \"d\"\nuser = \"u\"\n"
                           "engine = \"postgres\"\n";
  auto srv = ParseExporterConfig(
      head + "replicas_srv = [\"_postgresql._tcp.pg-replicas.shop.svc.cluster.local\"]\n",
      "srv.toml", ".");
  ASSERT_TRUE(srv.ok()) << srv.status().message();
  EXPECT_TRUE(srv->cluster.replicas.empty());
  EXPECT_EQ(srv->cluster.replicas_srv,
            (std::vector<std::string>{"_postgresql._tcp.pg-replicas.shop.svc.cluster.local"}));
  auto bad = ParseExporterConfig(
      head + "replicas_srv = [\"_pg._tcp.a\", \"db:5432\", \"_pg._tcp.a\"]\n", "bad.toml", ".");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("bad.toml:6: [cluster] replicas_srv: \"db:5432\" is not a "
                                        "DNS name"),
            std::string::npos)
      << bad.status().message();
  EXPECT_NE(bad.status().message().find("\"_pg._tcp.a\" is listed twice"), std::string::npos)
      << bad.status().message();
  auto none = ParseExporterConfig(head, "none.toml", ".");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("or replicas_srv"), std::string::npos)
      << none.status().message();
}

TEST(ExporterConfigTest, PasswordCommandWithItsTtlAndTimeout) {
  const std::string head = "[cluster]\nname = \"x\"\nengine = \"postgres\"\ndatabase = \"d\"\n"
                           "user = \"u\"\nreplicas = [\"db:5432\"]\n";
  auto config = ParseExporterConfig(
      head + "password_command = [\"aws\", \"rds\", \"generate-db-auth-token\"]\n"
             "password_ttl = \"10m\"\npassword_command_timeout = \"3s\"\n",
      "cmd.toml", ".");
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->cluster.password.kind, PasswordSource::Kind::kCommand);
  EXPECT_EQ(config->cluster.password.command.argv.size(), 3u);
  EXPECT_EQ(config->cluster.password.command.ttl, std::chrono::minutes(10));
  EXPECT_EQ(config->cluster.password.command.timeout, std::chrono::seconds(3));
  auto both = ParseExporterConfig(head + "password_env = \"X\"\npassword_command = [\"h\"]\n",
                                  "both.toml", ".");
  ASSERT_FALSE(both.ok());
  EXPECT_NE(both.status().message().find("set only one of"), std::string::npos);
  auto stray = ParseExporterConfig(head + "password_env = \"X\"\npassword_ttl = \"1m\"\n",
                                   "stray.toml", ".");
  ASSERT_FALSE(stray.ok());
  EXPECT_NE(stray.status().message().find("stray.toml:8: [cluster] password_ttl: only applies"),
            std::string::npos)
      << stray.status().message();
}

TEST(ExporterConfigTest, InlinePasswordIsAcceptedWithAWarningThatDoesNotShowIt) {
  auto config = ParseExporterConfig(R"(
[cluster]
name = "x"
engine = "postgres"
database = "d"
user = "u"
password = "hunter2"
replicas = ["db:5432"]
)",
                                    "inline.toml", ".");
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->cluster.password.kind, PasswordSource::Kind::kInline);
  ASSERT_EQ(config->warnings.size(), 1u);
  EXPECT_EQ(config->warnings[0].find("hunter2"), std::string::npos);
}

TEST(ExporterConfigTest, ReportsEveryErrorOfAFileAtOnce) {
  auto config = ParseExporterConfig("[scrape]\ntimout = \"1s\"\n[cluster]\nengine = \"db2\"\n",
                                    "x.toml", ".");
  ASSERT_FALSE(config.ok());
  const std::string& msg = config.status().message();
  EXPECT_NE(msg.find("x.toml:2: [scrape] timout: unknown key"), std::string::npos) << msg;
  EXPECT_NE(msg.find("x.toml:4: [cluster] engine: \"db2\""), std::string::npos) << msg;
  EXPECT_NE(msg.find("x.toml:3: [cluster] replicas: required"), std::string::npos) << msg;
}

TEST(ExporterConfigTest, MissingFileIsNamed) {
  auto config = LoadExporterConfig("/nonexistent/rse.toml");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("/nonexistent/rse.toml: cannot open file"),
            std::string::npos);
}

TEST(HostPortTest, ParsesListenAndReplicaForms) {
  EXPECT_EQ(*ParseHostPort(":10399", true, false), (HostPort{"", 10399}));
  EXPECT_EQ(*ParseHostPort("localhost:0", true, true), (HostPort{"localhost", 0}));
  EXPECT_FALSE(ParseHostPort(":5432", false, false).ok());
  EXPECT_FALSE(ParseHostPort("db:0", false, false).ok());
  EXPECT_FALSE(ParseHostPort("db:54x", false, false).ok());
  EXPECT_FALSE(ParseHostPort("[::1:5432", false, false).ok());
}

}  // namespace
}  // namespace rse
