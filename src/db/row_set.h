// An engine-neutral query result: typed columns and rows of nullable text cells.
#pragma once

#include <cstddef>
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
  // The result had more rows than the caller's limit: `rows` holds the first
  // ones only, and the query's samples must not be served.
  bool truncated = false;
};

// No limit on the rows a query may return.
inline constexpr size_t kNoRowLimit = static_cast<size_t>(-1);

}  // namespace rse
