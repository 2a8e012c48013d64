// The keys of a [[query.metrics]] entry that say where its values come from
// and what they measure: `values` + `value_label` (several value columns, one
// series each) and `unit` (OpenMetrics), checked against the rest of the entry.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "catalog/query_spec.h"
#include "config/toml_fields.h"

namespace rse {

using MetricKeyError = std::function<void(std::string_view key, const std::string& message)>;

// values = ["revenue", "refunds"] (label value = column name) or
// values = { revenue = "gross", refunds = "refunded" } (column = label value),
// with value_label = "kind". Reports every problem through `fail`.
void ParseValueColumns(TableReader& r, MetricSpec* metric, const MetricKeyError& fail);

// unit = "seconds": lower-case [a-z0-9_], and the name must end in "_<unit>"
// (a counter: "_<unit>_total"), as OpenMetrics requires.
void ParseUnit(TableReader& r, MetricSpec* metric, const MetricKeyError& fail);

}  // namespace rse
