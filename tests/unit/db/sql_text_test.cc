#include "db/sql_text.h"

#include <gtest/gtest.h>

namespace rse {
namespace {

TEST(SqlTextTest, TrailingSemicolonsAndBlanksGoTheRestStays) {
  EXPECT_EQ(WithoutTrailingSemicolons("SELECT 1"), "SELECT 1");
  EXPECT_EQ(WithoutTrailingSemicolons("SELECT 1;"), "SELECT 1");
  EXPECT_EQ(WithoutTrailingSemicolons("SELECT 1 ; ;\n\t "), "SELECT 1");
  EXPECT_EQ(WithoutTrailingSemicolons("SELECT ';' AS v"), "SELECT ';' AS v");
  EXPECT_EQ(WithoutTrailingSemicolons("SELECT 1; -- done"), "SELECT 1; -- done")
      << "a trailing comment is left alone: the framing puts the SQL on lines of its own";
  EXPECT_EQ(WithoutTrailingSemicolons(" ;; "), "");
}

}  // namespace
}  // namespace rse
