#include "db/explain_plan.h"

#include <cstdio>
#include <nlohmann/json.hpp>

namespace rse {
namespace {

using PlanJson = nlohmann::json;

std::string Rows(double rows) {
  char text[32];
  std::snprintf(text, sizeof text, "%.0f", rows);
  return text;
}

std::string Text(const PlanJson& node, const char* key) {
  auto it = node.find(key);
  return it != node.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<double> Number(const PlanJson& node, const char* key) {
  auto it = node.find(key);
  if (it == node.end()) return std::nullopt;
  if (it->is_number()) return it->get<double>();
  // MySQL 8 writes some numbers as strings ("rows_produced_per_join": "12").
  if (it->is_string()) {
    try {
      return std::stod(it->get<std::string>());
    } catch (const std::exception&) {
    }
  }
  return std::nullopt;
}

void WalkPostgres(const PlanJson& node, int depth, ExplainedPlan* plan) {
  if (!node.is_object()) return;
  const std::string type = Text(node, "Node Type");
  const std::string relation = Text(node, "Relation Name");
  const std::string schema = Text(node, "Schema");
  std::string line(static_cast<size_t>(depth) * 2, ' ');
  line += type;
  if (!relation.empty()) line += " on " + (schema.empty() ? "" : schema + ".") + relation;
  if (auto rows = Number(node, "Plan Rows")) line += " (rows=" + Rows(*rows) + ")";
  plan->lines.push_back(std::move(line));
  // The scan's own row estimate is after its filter; the table's size is
  // looked up by the caller (pg_class.reltuples).
  if (type == "Seq Scan" && !relation.empty()) plan->full_scans.push_back({schema, relation, std::nullopt});
  if (auto children = node.find("Plans"); children != node.end() && children->is_array()) {
    for (const PlanJson& child : *children) WalkPostgres(child, depth + 1, plan);
  }
}

// Every "table" object wherever it nests (nested_loop, subqueries, filesort...).
void WalkMysql(const PlanJson& node, ExplainedPlan* plan) {
  if (node.is_array()) {
    for (const PlanJson& child : node) WalkMysql(child, plan);
    return;
  }
  if (!node.is_object()) return;
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (it.key() == "table" && it->is_object()) {
      const PlanJson& table = *it;
      const std::string name = Text(table, "table_name");
      const std::string access = Text(table, "access_type");
      std::optional<double> rows = Number(table, "rows");
      if (!rows) rows = Number(table, "rows_examined_per_scan");
      std::string line = "table " + name + ": access " + (access.empty() ? "?" : access);
      if (rows) line += ", rows ~" + Rows(*rows);
      const std::string key = Text(table, "key");
      line += ", key " + (key.empty() ? std::string("-") : key);
      plan->lines.push_back(std::move(line));
      if (access == "ALL") plan->full_scans.push_back({"", name, rows});
    }
    WalkMysql(*it, plan);
  }
}

}  // namespace

StatusOr<ExplainedPlan> ParsePostgresPlan(std::string_view json) {
  const PlanJson root = PlanJson::parse(json, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_array() || root.empty() || !root[0].is_object() ||
      !root[0].contains("Plan")) {
    return Status::InvalidArgument("postgres: EXPLAIN did not return a JSON plan");
  }
  ExplainedPlan plan;
  const PlanJson& top = root[0]["Plan"];
  plan.estimated_rows = Number(top, "Plan Rows");
  WalkPostgres(top, 0, &plan);
  return plan;
}

StatusOr<ExplainedPlan> ParseMysqlPlan(std::string_view json) {
  const PlanJson root = PlanJson::parse(json, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object() || !root.contains("query_block"))
    return Status::InvalidArgument("mysql: EXPLAIN FORMAT=JSON did not return a query_block");
  ExplainedPlan plan;
  WalkMysql(root, &plan);
  if (plan.lines.empty()) plan.lines.push_back("no table read");
  return plan;
}

}  // namespace rse
