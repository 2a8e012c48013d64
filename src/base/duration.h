// Go/Prometheus-style duration strings ("500ms", "10s", "1h30m", "2d") to and
// from std::chrono::milliseconds, the resolution of every timeout we configure.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "base/status.h"

namespace rse {

// Accepts a sequence of <number><unit> with units ms, s, m, h, d, w (and "0").
// Fractions are allowed ("1.5s"); a result finer than 1ms is rejected rather
// than silently rounded.
StatusOr<std::chrono::milliseconds> ParseDuration(std::string_view text);

// Shortest Go-style spelling: 300000ms -> "5m", 5400000ms -> "1h30m", 0 -> "0s".
std::string FormatDuration(std::chrono::milliseconds d);

}  // namespace rse
