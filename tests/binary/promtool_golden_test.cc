// promtool, the reference linter, on the golden exposition files (which the
// unit tests keep equal to what the renderers produce).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "testing/bad_file_cases.h"
#include "testing/promtool.h"

namespace rse {
namespace {

std::string Golden(const std::string& file) {
  std::ifstream in(testing::TestdataDir() + "/golden/" + file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(PromtoolTest, AcceptsTheGoldenTextFormat) {
  const std::string text = Golden("families.txt");
  ASSERT_FALSE(text.empty());
  auto result = testing::RunPromtoolCheckMetrics(text);
  EXPECT_EQ(result.exit_code, 0) << result.output;
}

}  // namespace
}  // namespace rse
