#include "catalog/fan_out.h"

#include <algorithm>
#include <set>

#include "catalog/metric_name.h"
#include "catalog/sql_statements.h"

namespace rse {

bool IsDatabaseName(std::string_view name) {
  return !name.empty() && name.size() <= 64 && name.find('\0') == std::string_view::npos;
}

std::optional<FanOut> ParseFanOut(TableReader& r) {
  const bool listed = r.Has("databases"), found = r.Has("databases_query");
  if (!listed && !found) {
    for (const char* key : {"database_label", "max_concurrent_databases"}) {
      if (r.Has(key)) r.Error(key, "only applies with databases or databases_query");
    }
    return std::nullopt;
  }
  FanOut fan_out;
  if (listed && found) {
    r.Error("databases_query", "set either databases or databases_query, not both");
  }
  if (auto databases = r.StringArray("databases", "database names")) {
    if (databases->empty()) r.Error("databases", "must name at least one database");
    if (databases->size() > kMaxFanOutDatabases)
      r.Error("databases", "more than " + std::to_string(kMaxFanOutDatabases) + " databases");
    std::set<std::string> seen;
    for (const std::string& name : *databases) {
      if (!IsDatabaseName(name))
        r.Error("databases", "\"" + name + "\" is not a database name (1 to 64 bytes)");
      else if (!seen.insert(name).second)
        r.Error("databases", "\"" + name + "\" is listed twice");
    }
    fan_out.databases.assign(seen.begin(), seen.end());
  }
  if (auto sql = r.String("databases_query")) {
    if (std::string why = RowlessStatementError(*sql);
        sql->find_first_not_of(" \t\r\n") == std::string::npos) {
      r.Error("databases_query", "must not be empty");
    } else if (!why.empty()) {
      r.Error("databases_query", why);
    }
    fan_out.databases_query = *sql;
  }
  if (auto label = r.String("database_label")) {
    if (!IsValidLabelName(*label) || IsReservedLabelName(*label))
      r.Error("database_label",
              "\"" + *label + "\" is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*, not \"__\"...)");
    fan_out.label = *label;
  }
  if (auto most = r.Integer("max_concurrent_databases", 1, 64))
    fan_out.max_concurrent = static_cast<int>(*most);
  return fan_out;
}

void CheckFanOutLabel(const QuerySpec& query, std::vector<std::string>* errors) {
  if (!query.fan_out) return;
  const std::string& label = query.fan_out->label;
  for (const MetricSpec& metric : query.metrics) {
    bool taken = std::find(metric.labels.begin(), metric.labels.end(), label) != metric.labels.end();
    for (const Label& fixed : metric.static_labels) taken = taken || fixed.name == label;
    taken = taken || (!metric.values.empty() && metric.value_label == label);
    taken = taken || (metric.type == MetricType::kHistogram && label == "le");
    if (taken) {
      errors->push_back(metric.where + ": query '" + query.name + "': labels: \"" + label +
                        "\" is the fan-out's database label (database_label); rename the "
                        "column or set database_label to another name");
    }
  }
}

}  // namespace rse
