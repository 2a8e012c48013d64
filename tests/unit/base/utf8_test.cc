#include "base/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace rse {
namespace {

TEST(Utf8Test, AcceptsWellFormedText) {
  for (const char* text : {"", "paid", "Zürich", "東京", "emoji 😀", "\x7f"}) {
    EXPECT_EQ(FirstInvalidUtf8(text), std::string_view::npos) << text;
  }
}

struct BadCase {
  const char* name;
  std::string text;
  size_t at;
};

TEST(Utf8Test, FindsTheFirstIllFormedByte) {
  const BadCase cases[] = {
      {"lone_ff", "ab\xff", 2},          {"continuation_first", "\x80x", 0},
      {"overlong_slash", "\xc0\xaf", 0}, {"overlong_three", "\xe0\x80\xaf", 0},
      {"surrogate", "a\xed\xa0\x80", 1}, {"past_10ffff", "\xf4\x90\x80\x80", 0},
      {"truncated", "ok\xe6\x9d", 2},    {"bad_continuation", "\xe6\x41\xac", 0},
  };
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(FirstInvalidUtf8(c.text), c.at);
  }
}

}  // namespace
}  // namespace rse
