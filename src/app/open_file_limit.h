// The process's open-file limit: every client connection is a descriptor,
// and a slow or idle one costs nothing else, so the soft limit (often 1024)
// is raised to the hard limit at start, as Go programs do.
#pragma once

#include <cstdint>

namespace rse {

// Returns the soft limit now in force (unchanged when it could not be raised).
std::uint64_t RaiseOpenFileLimit();

}  // namespace rse
