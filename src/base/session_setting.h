// One server setting a catalog query runs under (its [query.settings]): a
// name from the allow-list and its value already spelled as a SQL literal
// that both engines read the same way (a number, on/off, or a quoted string
// of safe characters). Applied to that statement only.
#pragma once

#include <string>

namespace rse {

struct SessionSetting {
  std::string name;
  std::string literal;
  bool operator==(const SessionSetting&) const = default;
};

}  // namespace rse
