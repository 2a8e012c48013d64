// What a server's EXPLAIN says of one statement, read from its JSON form:
// PostgreSQL's EXPLAIN (FORMAT JSON, VERBOSE) and MySQL/MariaDB's EXPLAIN
// FORMAT=JSON. Estimates only; nothing here runs anything.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace rse {

struct ExplainedPlan {
  std::vector<std::string> lines;        // The plan, one node per line, indented by depth.
  std::optional<double> estimated_rows;  // Rows returned: PostgreSQL's top node; MySQL has none.
  // Full scans of a table ("Seq Scan"; access_type "ALL"), with the table's
  // estimated rows where the plan gives them (MySQL: rows examined per scan).
  struct Scan {
    std::string schema;  // Empty when the plan does not say.
    std::string table;
    std::optional<double> table_rows;
  };
  std::vector<Scan> full_scans;
};

StatusOr<ExplainedPlan> ParsePostgresPlan(std::string_view json);
StatusOr<ExplainedPlan> ParseMysqlPlan(std::string_view json);

}  // namespace rse
