// Everything the exporter runs from, loaded from its files and checked as far
// as that is possible without a database. --config.check, a start, a reload
// and --dry-run all load through here, so they accept and refuse the same files.
#pragma once

#include <optional>
#include <string>

#include "base/status.h"
#include "catalog/query_catalog.h"
#include "config/exporter_config.h"
#include "config/web_config.h"

namespace rse {

struct LoadedConfig {
  ExporterConfig config;
  QueryCatalog catalog;
  WebSecurityConfig web;  // Plain HTTP without auth when no web config file is given.
};

struct ConfigPaths {
  std::string config_file;
  std::string web_config_file;                // Empty: none.
  std::optional<std::string> listen_address;  // --web.listen-address, overriding the file.
};

// Refuses, with every error naming its file and line: a config, query file or
// web config that does not load; a cluster declared with master election; a
// password that cannot be read (unset variable, missing or empty file).
StatusOr<LoadedConfig> LoadEverything(const ConfigPaths& paths);

}  // namespace rse
