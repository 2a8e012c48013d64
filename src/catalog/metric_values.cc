#include "catalog/metric_values.h"

#include <algorithm>
#include <set>

#include "catalog/metric_name.h"

namespace rse {

void ParseValueColumns(TableReader& r, MetricSpec* metric, const MetricKeyError& fail) {
  const bool has_values = r.Has("values");
  if (!has_values) {
    if (r.Has("value_label")) fail("value_label", "only applies with values = [...]");
    return;
  }
  if (metric->type == MetricType::kHistogram) {
    fail("values", "does not apply to a histogram (use buckets and sum)");
    return;
  }
  if (r.Has("value")) fail("values", "set either value or values, not both");
  if (r.Has("static_value")) fail("values", "set either static_value or values, not both");
  const toml::node* node = r.table().get("values");
  if (node->is_array()) {
    if (auto columns = r.StringArray("values", "column names")) {
      for (const std::string& column : *columns) metric->values.push_back({column, column});
    }
  } else if (node->is_table()) {
    if (auto mapped = r.StringTable("values")) {
      for (const auto& [column, label_value] : *mapped) metric->values.push_back({column, label_value});
    }
  } else {
    fail("values",
         "expected an array of column names or a table { column = \"label value\" }");
    return;
  }
  if (metric->values.empty() && (node->is_array() ? node->as_array()->empty() : node->as_table()->empty()))
    fail("values", "must name at least one result column");
  std::set<std::string> columns, label_values;
  for (const MetricSpec::ValueColumn& value : metric->values) {
    if (value.column.empty()) fail("values", "a column name is empty");
    if (!columns.insert(value.column).second)
      fail("values", "column \"" + value.column + "\" is listed twice");
    if (!label_values.insert(value.label_value).second)
      fail("values", "two columns give the label value \"" + value.label_value + "\"");
    if (std::find(metric->labels.begin(), metric->labels.end(), value.column) != metric->labels.end())
      fail("values", "column \"" + value.column + "\" is also used as a label");
  }
  if (auto label = r.String("value_label")) {
    metric->value_label = *label;
    if (!IsValidLabelName(*label) || label->starts_with("__")) {
      fail("value_label", "\"" + *label + "\" is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*, not __...)");
    } else if (std::find(metric->labels.begin(), metric->labels.end(), *label) != metric->labels.end()) {
      fail("value_label", "\"" + *label + "\" is also a label column");
    } else {
      for (const Label& fixed : metric->static_labels) {
        if (fixed.name == *label) fail("value_label", "\"" + *label + "\" is also a static label");
      }
    }
  } else if (!r.Has("value_label")) {
    fail("value_label", "required with values: the label that tells the columns' series apart");
  }
}

void ParseUnit(TableReader& r, MetricSpec* metric, const MetricKeyError& fail) {
  auto unit = r.String("unit");
  if (!unit) return;
  metric->unit = *unit;
  const bool word = !unit->empty() && std::all_of(unit->begin(), unit->end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
  if (!word) {
    fail("unit", "\"" + *unit + "\" is not a unit name (lower case [a-z0-9_], e.g. \"seconds\", \"bytes\")");
    return;
  }
  std::string family = metric->name;
  if (metric->type == MetricType::kCounter && family.ends_with("_total"))
    family.resize(family.size() - 6);
  if (!family.ends_with("_" + *unit)) {
    fail("unit", "the name \"" + metric->name + "\" must end in \"_" + *unit +
                     (metric->type == MetricType::kCounter ? "_total" : "") +
                     "\" (OpenMetrics: a metric's name carries its unit)");
  }
}

}  // namespace rse
