#include "testing/bad_file_cases.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace rse::testing {

std::string TestdataDir() { return std::string(RSE_SOURCE_DIR) + "/tests/testdata"; }

std::vector<BadFileCase> LoadBadFileCases(const std::string& dir, const std::string& extension) {
  std::vector<BadFileCase> cases;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != extension) continue;
    std::ifstream in(entry.path());
    std::string first_line;
    std::getline(in, first_line);
    const std::string marker = "# expect: ";
    EXPECT_EQ(first_line.rfind(marker, 0), 0u) << entry.path() << " has no '# expect: ' first line";
    cases.push_back(
        {entry.path().string(), first_line.substr(std::min(marker.size(), first_line.size()))});
  }
  std::sort(cases.begin(), cases.end(),
            [](const auto& a, const auto& b) { return a.path < b.path; });
  return cases;
}

}  // namespace rse::testing
