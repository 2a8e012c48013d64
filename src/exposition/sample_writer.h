// Building blocks shared by the text and OpenMetrics renderers: number
// spelling, escaping, and one sample line. Locale-independent by construction.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/number_format.h"
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

// Merges families that share a name (two queries may feed one metric) so that
// each is rendered once, in order of first appearance; drops empty families.
std::vector<const MetricFamily*> GroupFamilies(const std::vector<MetricFamily>& families,
                                               std::vector<MetricFamily>* merged_storage);

}  // namespace rse
