// The built binary, run as a user runs it: --config.check, --version, and a
// real start, scrape and SIGTERM.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <regex>

#include "testing/bad_file_cases.h"
#include "testing/promtool.h"
#include "testing/subprocess.h"

namespace rse {
namespace {

using testing::RunCommand;

const std::string kBinary = RSE_EXPORTER_BINARY;
const std::string kSourceDir = RSE_SOURCE_DIR;

// The shipped configs read the password from this variable; a start refuses
// an unset one, and so does --config.check.
const bool kPasswordSet = setenv("SHOP_EXPORTER_PASSWORD", "exporter-demo-pw", 1) == 0;

TEST(ExporterBinaryTest, ConfigCheckAcceptsTheShippedConfigs) {
  ASSERT_TRUE(kPasswordSet);
  for (const char* file : {"config/demo.toml", "config/demo-mysql.toml",
                           "config/compose-postgres.toml", "config/compose-mysql.toml"}) {
    auto result =
        RunCommand({kBinary, "--config.check", std::string("--config.file=") + file}, kSourceDir);
    EXPECT_EQ(result.exit_code, 0) << file << "\n" << result.output;
    EXPECT_NE(result.output.find(std::string(file) + ": OK"), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("orders_by_status"), std::string::npos) << result.output;
  }
}

TEST(ExporterBinaryTest, ConfigCheckRefusesThePasswordAStartCouldNotRead) {
  // The reference config reads /run/secrets/shop_exporter, absent here.
  auto result = RunCommand(
      {kBinary, "--config.check", "--config.file=config/replica_sql_exporter.toml"}, kSourceDir);
  EXPECT_EQ(result.exit_code, 1) << result.output;
  // With the line of the key, like every other config error.
  EXPECT_TRUE(std::regex_search(result.output,
                                std::regex(R"(config/replica_sql_exporter\.toml:[0-9]+: \[cluster\] )"
                                           R"(password_file: /run/secrets/shop_exporter)")))
      << result.output;
  auto start = RunCommand({kBinary, "--config.file=config/replica_sql_exporter.toml",
                           "--web.listen-address=127.0.0.1:0"},
                          kSourceDir);
  EXPECT_EQ(start.exit_code, 1) << "a start refuses what --config.check refuses";
  EXPECT_EQ(start.output, result.output);
}

TEST(ExporterBinaryTest, ConfigCheckFailsNamingFileAndLine) {
  auto result = RunCommand(
      {kBinary, "--config.check", "--config.file=tests/testdata/config/bad/bad_engine.toml"},
      kSourceDir);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find("tests/testdata/config/bad/bad_engine.toml:4: [cluster] engine"),
            std::string::npos)
      << result.output;
}

TEST(ExporterBinaryTest, ConfigCheckFailsOnABrokenCatalog) {
  auto result = RunCommand(
      {kBinary, "--config.check", "--config.file=tests/testdata/config/broken_catalog.toml"},
      kSourceDir);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find("tests/testdata/queries/bad/value_also_label.toml:9: query 'a'"),
            std::string::npos)
      << result.output;
}

TEST(ExporterBinaryTest, RefusesAClusterDeclaredWithAutomaticFailover) {
  auto result = RunCommand({kBinary, "--config.file=tests/testdata/config/automatic_failover.toml",
                            "--web.listen-address=127.0.0.1:0"},
                           kSourceDir);
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("automatic_failover.toml:8: [cluster] failover: \"automatic\" declares "
                               "master election"),
            std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("postgres_exporter or mysqld_exporter"), std::string::npos)
      << result.output;
}

TEST(ExporterBinaryTest, VersionAndBadFlag) {
  auto version = RunCommand({kBinary, "--version"}, kSourceDir);
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_NE(version.output.find("replica_sql_exporter, version "), std::string::npos);
  auto bad = RunCommand({kBinary, "--nope"}, kSourceDir);
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.output.find("unknown flag --nope"), std::string::npos);
}

TEST(ExporterBinaryTest, ServesLintCleanMetricsAndStopsOnSigterm) {
  testing::BackgroundProcess exporter({kBinary, "--config.file=config/demo.toml",
                                       "--web.listen-address=127.0.0.1:0", "--log.format=logfmt"},
                                      kSourceDir);
  std::string log;
  ASSERT_TRUE(exporter.WaitForLog("starting replica_sql_exporter", 5000, &log)) << log;
  std::smatch port;
  ASSERT_TRUE(std::regex_search(log, port, std::regex(" port=(\\d+)"))) << log;
  httplib::Client client("127.0.0.1", std::stoi(port[1]));
  auto res = client.Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_NE(res->body.find("replica_sql_exporter_build_info{"), std::string::npos) << res->body;
  EXPECT_NE(res->body.find("replica_sql_up "), std::string::npos) << res->body;
  auto lint = testing::RunPromtoolCheckMetrics(res->body);
  EXPECT_EQ(lint.exit_code, 0) << lint.output << "\n" << res->body;
  auto landing = client.Get("/");
  ASSERT_TRUE(landing);
  EXPECT_NE(landing->body.find("shop"), std::string::npos);
  // SIGHUP (what operators send to reload) reloads; it must not stop it.
  exporter.Signal(SIGHUP);
  ASSERT_TRUE(exporter.WaitForLog("configuration reloaded", 15000, &log)) << log;
  auto after_hup = client.Get("/metrics");
  ASSERT_TRUE(after_hup);
  EXPECT_EQ(after_hup->status, 200);
  EXPECT_EQ(exporter.StopWith(SIGTERM, 5000), 0);
}

}  // namespace
}  // namespace rse
