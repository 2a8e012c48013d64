// --dry-run: load everything, take one healthy replica, run every query once,
// print the exposition to `out` and a per-query summary (rows, duration,
// error) to `err`. Returns the exit code: 0 when every query succeeded.
#pragma once

#include <iosfwd>

#include "app/loaded_config.h"
#include "base/log.h"

namespace rse {

int DryRun(const LoadedConfig& loaded, Logger* logger, std::ostream& out, std::ostream& err);

}  // namespace rse
