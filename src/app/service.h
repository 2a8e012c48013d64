// The running process: from a loaded config to an exporter, its HTTP server,
// its reloader and its signals, until SIGTERM, SIGINT or POST /-/quit (SIGHUP
// reloads). main() parses flags and loads; everything after is here.
#pragma once

#include <string>

#include "app/loaded_config.h"
#include "base/log.h"
#include "cli/flags.h"

namespace rse {

// Serves until asked to stop; returns the process's exit code (1 when the
// exporter could not be made, the address not bound, or the server failed).
int RunService(const Flags& flags, const ConfigPaths& paths, const LoadedConfig& loaded,
               Logger* logger);

}  // namespace rse
