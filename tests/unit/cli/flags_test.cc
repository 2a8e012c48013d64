#include "cli/flags.h"

#include <gtest/gtest.h>

namespace rse {
namespace {

TEST(FlagsTest, DefaultsMatchHelp) {
  auto flags = ParseFlags({});
  ASSERT_TRUE(flags.ok());
  EXPECT_EQ(flags->config_file, "config/replica_sql_exporter.toml");
  EXPECT_FALSE(flags->listen_address);
  EXPECT_FALSE(flags->config_check);
  EXPECT_EQ(flags->log_level, LogLevel::kInfo);
  EXPECT_EQ(flags->log_format, LogFormat::kLogfmt);
  EXPECT_NE(UsageText().find("config/replica_sql_exporter.toml"), std::string::npos);
}

TEST(FlagsTest, AcceptsBothPrometheusSpellings) {
  auto flags = ParseFlags({"--config.file=a.toml", "--web.listen-address", ":9999",
                           "--config.check", "--log.level=debug", "--log.format", "json"});
  ASSERT_TRUE(flags.ok()) << flags.status().message();
  EXPECT_EQ(flags->config_file, "a.toml");
  EXPECT_EQ(flags->listen_address, ":9999");
  EXPECT_TRUE(flags->config_check);
  EXPECT_EQ(flags->log_level, LogLevel::kDebug);
  EXPECT_EQ(flags->log_format, LogFormat::kJson);
}

TEST(FlagsTest, RejectsWhatItDoesNotKnow) {
  for (const auto& args : std::vector<std::vector<std::string>>{{"--config.fil=x"},
                                                                {"--log.level=loud"},
                                                                {"--log.format=xml"},
                                                                {"--config.file"},
                                                                {"stray"},
                                                                {"--version=maybe"}}) {
    EXPECT_FALSE(ParseFlags(args).ok()) << args[0];
  }
}

TEST(FlagsTest, ExplainGoesWithADryRunAndTakesASeqScanThreshold) {
  auto flags = ParseFlags({"--dry-run", "--explain", "--explain.seq-scan-rows=5000"});
  ASSERT_TRUE(flags.ok()) << flags.status().message();
  EXPECT_TRUE(flags->explain);
  EXPECT_EQ(flags->seq_scan_rows, 5000);
  EXPECT_EQ(ParseFlags({"--dry-run"})->seq_scan_rows, 100'000) << "the default --help names";
  EXPECT_NE(UsageText().find("default 100000"), std::string::npos);
  auto alone = ParseFlags({"--explain"});
  ASSERT_FALSE(alone.ok());
  EXPECT_NE(alone.status().message().find("--explain needs --dry-run"), std::string::npos);
  for (const char* bad : {"--explain.seq-scan-rows=-1", "--explain.seq-scan-rows=many",
                          "--explain.seq-scan-rows="}) {
    auto parsed = ParseFlags({"--dry-run", "--explain", bad});
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_NE(parsed.status().message().find("--explain.seq-scan-rows must be"), std::string::npos);
  }
}

TEST(FlagsTest, HelpAndVersion) {
  EXPECT_TRUE(ParseFlags({"-h"})->help);
  EXPECT_TRUE(ParseFlags({"--help"})->help);
  EXPECT_TRUE(ParseFlags({"--version"})->version);
}

}  // namespace
}  // namespace rse

namespace rse {
namespace {

TEST(FlagsTest, GenerateTakesWhatToWriteAndWhere) {
  auto flags = ParseFlags({"generate", "rules", "--config.file=c.toml", "--output.dir=out",
                           "--generate.job=db"});
  ASSERT_TRUE(flags.ok()) << flags.status().message();
  EXPECT_EQ(flags->generate, "rules");
  EXPECT_EQ(flags->output_dir, "out");
  EXPECT_EQ(flags->job, "db");
  EXPECT_EQ(ParseFlags({"generate", "schema"})->output_dir, ".");
  EXPECT_FALSE(ParseFlags({"generate"}).ok());
  EXPECT_FALSE(ParseFlags({"generate", "charts"}).ok());
  auto stray = ParseFlags({"--output.dir=out"});
  ASSERT_FALSE(stray.ok());
  EXPECT_NE(stray.status().message().find("only applies to generate"), std::string::npos);
}

}  // namespace
}  // namespace rse
