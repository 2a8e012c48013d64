#include "db/value_conversion.h"

#include <gtest/gtest.h>

#include <cmath>

namespace rse {
namespace {

struct TimestampCase {
  const char* text;
  double want;  // Unix seconds; NaN means "must be rejected".
};

TEST(ParseTimestampTest, Table) {
  const double kBad = std::nan("");
  const TimestampCase cases[] = {
      {"1970-01-01", 0},
      {"1970-01-01 00:00:01", 1},
      {"2026-11-23 14:51:31", 1795445491},
      {"2026-11-23T14:51:31Z", 1795445491},
      {"2026-11-23 14:51:31+00", 1795445491},
      {"2026-11-23 16:51:31+02", 1795445491},
      {"2026-11-23 14:21:31-00:30", 1795445491},
      {"2026-11-23 14:51:31.25", 1795445491.25},
      {"2000-02-29", 951782400},
      {"1969-12-31 23:59:59", -1},
      {"infinity", HUGE_VAL},
      {"-infinity", -HUGE_VAL},
      {"", kBad},
      {"2026-13-01", kBad},
      {"2026-11-32", kBad},
      {"2026-11-23 14:51", kBad},
      {"2026-11-23 14:51:31.", kBad},
      {"2026-11-23 14:51:31 UTC", kBad},
      {"26-11-23", kBad},
      {"yesterday", kBad},
  };
  for (const TimestampCase& c : cases) {
    SCOPED_TRACE(c.text);
    auto got = ParseTimestamp(c.text);
    if (std::isnan(c.want)) {
      EXPECT_FALSE(got.ok());
      if (!got.ok()) {
        EXPECT_NE(got.status().message().find("is not a timestamp"), std::string::npos);
      }
    } else {
      ASSERT_TRUE(got.ok()) << got.status().message();
      EXPECT_DOUBLE_EQ(*got, c.want);
    }
  }
}

TEST(CellToDoubleTest, ReadsEachKind) {
  EXPECT_EQ(*CellToDouble(ColumnKind::kInteger, "9007199254740993"), 9007199254740992.0);
  EXPECT_EQ(*CellToDouble(ColumnKind::kDecimal, "12345.67"), 12345.67);
  EXPECT_EQ(*CellToDouble(ColumnKind::kFloat, "+1.5e3"), 1500);
  EXPECT_EQ(*CellToDouble(ColumnKind::kBoolean, "t"), 1);
  EXPECT_EQ(*CellToDouble(ColumnKind::kBoolean, "0"), 0);
  EXPECT_EQ(*CellToDouble(ColumnKind::kTimestamp, "1970-01-02"), 86400);
  EXPECT_EQ(*CellToDouble(ColumnKind::kText, " 42 "), 42) << "numbers in text columns are read";
  EXPECT_FALSE(CellToDouble(ColumnKind::kBoolean, "yes").ok());
  EXPECT_FALSE(CellToDouble(ColumnKind::kText, "").ok());
  auto long_text = CellToDouble(ColumnKind::kText, std::string(100, 'x'));
  ASSERT_FALSE(long_text.ok());
  EXPECT_NE(long_text.status().message().find("...\" is not a number"), std::string::npos)
      << "long cells are shortened in messages";
}

TEST(ValueConversionTest, NumbersPastTheFloatRangeSaySo) {
  auto huge = CellToDouble(ColumnKind::kDecimal, "1" + std::string(400, '0'));
  ASSERT_FALSE(huge.ok());
  EXPECT_NE(huge.status().message().find("past the range of a float64"), std::string::npos)
      << huge.status().message();
  EXPECT_FALSE(CellToDouble(ColumnKind::kText, "1e400").ok());
  EXPECT_TRUE(std::isinf(*CellToDouble(ColumnKind::kFloat, "-Infinity")));
  EXPECT_TRUE(std::isnan(*CellToDouble(ColumnKind::kFloat, "NaN")));
}

}  // namespace
}  // namespace rse
