// Turns one result cell into a sample value (float64): integers, decimals,
// floats, booleans (1/0) and timestamps (Unix seconds). Pure and engine-neutral.
#pragma once

#include <string_view>

#include "base/status.h"
#include "db/row_set.h"

namespace rse {

// InvalidArgument, naming nothing: the caller knows the query, column and row.
StatusOr<double> CellToDouble(ColumnKind kind, std::string_view text);

// "YYYY-MM-DD[ HH:MM:SS[.ffffff]][+HH[:MM]|Z]" read as UTC unless an offset is given.
StatusOr<double> ParseTimestamp(std::string_view text);

}  // namespace rse
