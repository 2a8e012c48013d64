// Time as a dependency: production code asks a Clock, tests advance a fake.
#pragma once

#include <chrono>

namespace rse {

using TimePoint = std::chrono::steady_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::steady_clock::now(); }
};

// One shared instance for production wiring.
const Clock* DefaultClock();

// A span of steady time in seconds, as logs, metrics and status pages show it.
inline double Seconds(TimePoint::duration d) { return std::chrono::duration<double>(d).count(); }

// The wall clock, in seconds since the epoch (for what is shown, never for timing).
double EpochNow();

}  // namespace rse
