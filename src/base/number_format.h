// How a sample value is spelled in the Prometheus data model: the shortest
// round-trip form, locale-independent, with NaN, +Inf and -Inf. Used by the
// renderers and by the histogram "le" label, which must spell bounds the same way.
#pragma once

#include <string>

namespace rse {

std::string FormatValue(double value);

}  // namespace rse
