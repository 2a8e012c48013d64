// An engine-neutral query result: typed columns and rows of nullable text cells.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
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

// A cell as a driver hands it over: a view valid only during RowSink::Row.
using CellView = std::optional<std::string_view>;

// Takes a result as the driver reads it, so that rows become samples at once
// and are never all held twice. Begin, then Row for each row, then Truncated
// if there were more rows than the reader's limit.
class RowSink {
 public:
  virtual ~RowSink() = default;
  // `rows_hint`: how many rows follow, when the driver knows (0 when not).
  virtual void Begin(std::vector<Column> columns, size_t rows_hint) = 0;
  // False: the sink wants no more rows (the reader may stop early).
  virtual bool Row(const std::vector<CellView>& cells) = 0;
  // More rows than the reader's limit were there; they were not passed on.
  virtual void Truncated() = 0;
};

// Collects a streamed result into a RowSet (tests, probes).
class RowSetSink final : public RowSink {
 public:
  void Begin(std::vector<Column> columns, size_t rows_hint) override;
  bool Row(const std::vector<CellView>& cells) override;
  void Truncated() override { rows.truncated = true; }
  RowSet rows;
};

// Streams `rows` into `sink`: at most `max_rows` rows, then Truncated() if
// there were more (fakes and tests, which hold results as RowSets).
void StreamRowSet(const RowSet& rows, size_t max_rows, RowSink& sink);

}  // namespace rse
