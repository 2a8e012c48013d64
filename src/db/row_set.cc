#include "db/row_set.h"

#include <algorithm>

namespace rse {

void RowSetSink::Begin(std::vector<Column> columns, size_t rows_hint) {
  rows.columns = std::move(columns);
  rows.rows.reserve(rows_hint);
}

bool RowSetSink::Row(const std::vector<CellView>& cells) {
  std::vector<Cell>& row = rows.rows.emplace_back();
  row.reserve(cells.size());
  for (const CellView& cell : cells) row.push_back(cell ? Cell(std::string(*cell)) : Cell());
  return true;
}

void StreamRowSet(const RowSet& rows, size_t max_rows, RowSink& sink) {
  sink.Begin(rows.columns, std::min(rows.rows.size(), max_rows));
  std::vector<CellView> cells;
  size_t delivered = 0;
  for (const std::vector<Cell>& row : rows.rows) {
    if (delivered == max_rows) {
      sink.Truncated();
      return;
    }
    cells.clear();
    for (const Cell& cell : row) cells.push_back(cell ? CellView(*cell) : CellView());
    ++delivered;
    if (!sink.Row(cells)) return;
  }
  if (rows.truncated) sink.Truncated();
}

}  // namespace rse
