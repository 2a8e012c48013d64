#include "base/log.h"

#include <gtest/gtest.h>

#include <sstream>

namespace rse {
namespace {

TEST(LoggerTest, LogfmtQuotesWhatNeedsQuoting) {
  std::ostringstream out;
  Logger logger(LogLevel::kInfo, LogFormat::kLogfmt, &out);
  logger.Warn("replica down",
              {{"replica", "db1:5432"}, {"reason", "said \"no\"\nthen left"}, {"empty", ""}});
  const std::string line = out.str();
  EXPECT_EQ(line.rfind("ts=", 0), 0u);
  EXPECT_NE(line.find(" level=warn msg=\"replica down\" replica=db1:5432 reason=\"said "
                      "\\\"no\\\"\\nthen left\" empty=\"\"\n"),
            std::string::npos)
      << line;
}

TEST(LoggerTest, JsonEscapesEveryString) {
  std::ostringstream out;
  Logger logger(LogLevel::kDebug, LogFormat::kJson, &out);
  logger.Info("a \"quoted\"\tmsg", {{"k\\ey", "v\x01"}});
  const std::string line = out.str();
  EXPECT_NE(
      line.find(
          "\"level\":\"info\",\"msg\":\"a \\\"quoted\\\"\\tmsg\",\"k\\\\ey\":\"v\\u0001\"}\n"),
      std::string::npos)
      << line;
}

TEST(LoggerTest, DropsLinesBelowItsLevel) {
  std::ostringstream out;
  Logger logger(LogLevel::kWarn, LogFormat::kLogfmt, &out);
  logger.Debug("d");
  logger.Info("i");
  EXPECT_TRUE(out.str().empty());
  logger.Error("e");
  EXPECT_NE(out.str().find("level=error msg=e"), std::string::npos);
}

TEST(LoggerTest, ParsesLevelsAndFormats) {
  EXPECT_EQ(*ParseLogLevel("debug"), LogLevel::kDebug);
  EXPECT_EQ(*ParseLogLevel("error"), LogLevel::kError);
  EXPECT_FALSE(ParseLogLevel("verbose").ok());
  EXPECT_EQ(*ParseLogFormat("json"), LogFormat::kJson);
  EXPECT_FALSE(ParseLogFormat("xml").ok());
}

}  // namespace
}  // namespace rse
