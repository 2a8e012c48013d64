// The one spelling of a sample line, "name{label="value",...} value\n", the
// same in the text format and OpenMetrics: used by the renderers, and by the
// row mapper, which keeps a big result as lines. Locale-independent.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/metric_family.h"

namespace rse {

// Escapes backslash and newline, and double quote when `escape_quote`.
void AppendEscaped(std::string& out, std::string_view text, bool escape_quote);

// name{label="value",...} value\n
void AppendSample(std::string& out, std::string_view name, const std::vector<Label>& labels,
                  double value);
// The same for name + suffix (a histogram's "_bucket"), without joining them first.
void AppendSample(std::string& out, std::string_view name, std::string_view suffix,
                  const std::vector<Label>& labels, double value);

}  // namespace rse
