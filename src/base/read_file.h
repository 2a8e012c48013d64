// Reads a whole file into memory, naming the path in the error.
#pragma once

#include <string>

#include "base/status.h"

namespace rse {

StatusOr<std::string> ReadFile(const std::string& path);

}  // namespace rse
