// --dry-run --explain: each query's plan (EXPLAIN, never ANALYZE) from the
// replica that would serve it, its estimated rows against max_series, and its
// full scans of tables larger than a threshold. Nothing of a query runs.
#pragma once

#include <iosfwd>

#include "app/exporter.h"
#include "app/loaded_config.h"

namespace rse {

struct ExplainOptions {
  long long seq_scan_rows = 100'000;  // A full scan of a bigger table is flagged.
};

// Prints to `err`. Returns 1 when a query would exceed its max_series by
// estimate (PostgreSQL; MySQL/MariaDB estimate rows read, not returned) or
// could not be explained, else 0.
int ExplainQueries(Exporter& exporter, const LoadedConfig& loaded, const ExplainOptions& options,
                   std::ostream& err);

}  // namespace rse
