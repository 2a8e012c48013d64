// --dry-run: load everything, take one healthy replica, run every query once,
// print the exposition to `out` and a per-query summary (rows, duration,
// error) to `err`; with `explain`, then each query's plan (app/explain.h).
// Returns the exit code: 0 when every query succeeded (and, explained, would
// stay within max_series by estimate).
#pragma once

#include <iosfwd>

#include "app/explain.h"
#include "app/loaded_config.h"
#include "base/log.h"

namespace rse {

struct DryRunOptions {
  bool explain = false;
  ExplainOptions explain_options;
};

int DryRun(const LoadedConfig& loaded, const DryRunOptions& options, Logger* logger,
           std::ostream& out, std::ostream& err);

}  // namespace rse
