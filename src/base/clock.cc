#include "base/clock.h"

namespace rse {

const Clock* DefaultClock() {
  static const SystemClock clock;
  return &clock;
}

}  // namespace rse
