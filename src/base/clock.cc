#include "base/clock.h"

namespace rse {

const Clock* DefaultClock() {
  static const SystemClock clock;
  return &clock;
}

double EpochNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace rse
