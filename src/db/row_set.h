// An engine-neutral query result: typed columns and rows of nullable text cells.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace rse {

// What a column holds, as far as turning it into a sample value goes.
enum class ColumnKind { kInteger, kDecimal, kFloat, kBoolean, kTimestamp, kText, kOther };

struct Column {
  std::string name;
  ColumnKind kind = ColumnKind::kText;
};

// Text as the server sent it (timestamps in UTC, "YYYY-MM-DD HH:MM:SS[.f]");
// nullopt for SQL NULL.
using Cell = std::optional<std::string>;

struct RowSet {
  std::vector<Column> columns;
  std::vector<std::vector<Cell>> rows;
};

}  // namespace rse
