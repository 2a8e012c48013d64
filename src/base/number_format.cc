#include "base/number_format.h"

#include <charconv>
#include <cmath>

namespace rse {

std::string FormatValue(double value) {
  // to_chars spells these "nan", "inf" and "-inf"; the formats want otherwise.
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, end);
}

}  // namespace rse
