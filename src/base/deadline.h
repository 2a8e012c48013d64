// A point in time by which work must be done, passed down explicitly.
#pragma once

#include <algorithm>
#include <chrono>

#include "base/clock.h"

namespace rse {

class Deadline {
 public:
  explicit Deadline(TimePoint at) : at_(at) {}
  static Deadline After(const Clock& clock, std::chrono::milliseconds budget) {
    return Deadline(clock.Now() + budget);
  }

  TimePoint at() const { return at_; }
  bool Expired(const Clock& clock) const { return clock.Now() >= at_; }
  // Time left, never negative.
  std::chrono::milliseconds Remaining(const Clock& clock) const {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(at_ - clock.Now());
    return std::max(left, std::chrono::milliseconds(0));
  }
  // The earlier of the two.
  Deadline Min(const Deadline& other) const { return Deadline(std::min(at_, other.at_)); }

 private:
  TimePoint at_;
};

}  // namespace rse
