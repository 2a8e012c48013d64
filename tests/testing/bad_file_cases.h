// Table-driven error tests over a directory of bad input files: each file's
// first line is "# expect: <text the error message must contain>".
#pragma once

#include <string>
#include <vector>

namespace rse::testing {

struct BadFileCase {
  std::string path;
  std::string expected;
};

// All files ending in `extension` under `dir`, sorted; an unreadable or
// unmarked file is a test failure (reported through gtest), never silently skipped.
std::vector<BadFileCase> LoadBadFileCases(const std::string& dir,
                                          const std::string& extension = ".toml");

std::string TestdataDir();

}  // namespace rse::testing
