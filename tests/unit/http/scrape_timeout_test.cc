#include "http/scrape_timeout.h"

#include <gtest/gtest.h>

namespace rse {
namespace {

using std::chrono::milliseconds;

struct BudgetCase {
  const char* name;
  std::optional<std::string_view> header;
  int64_t want_ms;
};

TEST(ScrapeBudgetTest, Table) {
  const milliseconds offset(500), cap(10'000);
  const BudgetCase cases[] = {
      {"no_header", std::nullopt, 10'000},
      {"prometheus_default_10s", "10", 9'500},
      {"fractional", "4.5", 4'000},
      {"capped_by_config", "60", 10'000},
      {"header_equals_offset", "0.5", 450},
      {"header_below_offset", "0.3", 270},
      {"zero", "0", 10'000},
      {"negative", "-5", 10'000},
      {"garbage", "abc", 10'000},
      {"trailing_garbage", "10s", 10'000},
      {"empty", "", 10'000},
      {"spaces", " 2 ", 1'500},
      {"nan", "nan", 10'000},
      {"inf", "inf", 10'000},
      {"tiny", "0.0001", 1},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(ScrapeBudget(c.header, offset, cap).count(), c.want_ms);
  }
}

}  // namespace
}  // namespace rse
