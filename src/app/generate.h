// `replica_sql_exporter generate rules|dashboard|schema`: loads the config
// and its catalog as --config.check does (no database, no password needed)
// and writes the artifacts into a directory. Returns the exit code; what it
// wrote, or why not, goes to `err`.
#pragma once

#include <ostream>

#include "cli/flags.h"

namespace rse {

int Generate(const Flags& flags, std::ostream& err);

}  // namespace rse
