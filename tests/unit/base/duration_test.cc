#include "base/duration.h"

#include <gtest/gtest.h>

namespace rse {
namespace {

using std::chrono::milliseconds;

struct ParseCase {
  const char* text;
  int64_t want_ms;  // -1: must be rejected.
};

TEST(DurationTest, RejectsWhatCouldOverflowADeadline) {
  EXPECT_TRUE(ParseDuration("36500d").ok()) << "100 years";
  for (const char* text : {"36600d", "293y", "15250w", "1000000000h"}) {
    SCOPED_TRACE(text);
    auto got = ParseDuration(text);
    ASSERT_FALSE(got.ok());
  }
  auto big = ParseDuration("36600d");
  EXPECT_NE(big.status().message().find("at most 100 years"), std::string::npos)
      << big.status().message();
}

TEST(DurationTest, ParsesGoAndPrometheusSpellings) {
  const ParseCase cases[] = {
      {"0", 0},
      {"500ms", 500},
      {"10s", 10'000},
      {"5m", 300'000},
      {"1h30m", 5'400'000},
      {"1.5s", 1'500},
      {"2d", 172'800'000},
      {"1w", 604'800'000},
      {"1m30s500ms", 90'500},
      {"", -1},
      {"10", -1},
      {"s", -1},
      {"-5s", -1},
      {"5x", -1},
      {"1us", -1},
      {"0.5ms", -1},
      {"1.2.3s", -1},
      {"10 s", -1},
      {"1e3s", -1},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto parsed = ParseDuration(c.text);
    if (c.want_ms < 0) {
      EXPECT_FALSE(parsed.ok());
    } else {
      ASSERT_TRUE(parsed.ok()) << parsed.status().message();
      EXPECT_EQ(parsed->count(), c.want_ms);
    }
  }
}

TEST(DurationTest, ErrorNamesTheText) {
  auto parsed = ParseDuration("5 minutes");
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("\"5 minutes\""), std::string::npos);
}

TEST(DurationTest, FormatsShortestSpelling) {
  EXPECT_EQ(FormatDuration(milliseconds(0)), "0s");
  EXPECT_EQ(FormatDuration(milliseconds(500)), "500ms");
  EXPECT_EQ(FormatDuration(milliseconds(300'000)), "5m");
  EXPECT_EQ(FormatDuration(milliseconds(5'400'000)), "1h30m");
  EXPECT_EQ(FormatDuration(milliseconds(90'500)), "1m30s500ms");
}

TEST(DurationTest, FormatThenParseRoundTrips) {
  for (int64_t ms : {1, 999, 1000, 61'001, 3'600'000, 86'400'000}) {
    auto parsed = ParseDuration(FormatDuration(milliseconds(ms)));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(parsed->count(), ms);
  }
}

}  // namespace
}  // namespace rse
