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

TEST(FlagsTest, HelpAndVersion) {
  EXPECT_TRUE(ParseFlags({"-h"})->help);
  EXPECT_TRUE(ParseFlags({"--help"})->help);
  EXPECT_TRUE(ParseFlags({"--version"})->version);
}

}  // namespace
}  // namespace rse
