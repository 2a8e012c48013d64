// A Clock that moves only when a test says so. It starts at the real steady
// time, so deadlines built from it still work with real condition waits.
#pragma once

#include <atomic>

#include "base/clock.h"

namespace rse::testing {

class FakeClock final : public Clock {
 public:
  FakeClock() : now_(std::chrono::steady_clock::now()) {}
  TimePoint Now() const override { return now_.load(); }
  void Advance(std::chrono::milliseconds d) { now_.store(now_.load() + d); }

 private:
  std::atomic<TimePoint> now_;
};

}  // namespace rse::testing
