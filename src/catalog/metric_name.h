// Name rules of the Prometheus data model, checked byte by byte so that no
// locale can change the answer.
#pragma once

#include <string_view>

namespace rse {

// [a-zA-Z_:][a-zA-Z0-9_:]*
bool IsValidMetricName(std::string_view name);

// [a-zA-Z_][a-zA-Z0-9_]*
bool IsValidLabelName(std::string_view name);

// Label names starting with "__" are reserved for Prometheus' internal use.
bool IsReservedLabelName(std::string_view name);

}  // namespace rse
