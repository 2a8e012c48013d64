// The [cluster] password keys of the exporter config (password,
// password_file, password_env, password_command with password_ttl and
// password_command_timeout): at most one of them, each checked as far as a
// start can without contacting a database. Internal to config/.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "config/exporter_config.h"
#include "config/toml_fields.h"

namespace rse {

// `path` relative to `base_dir` (the config file's directory) unless absolute.
inline std::string ResolveConfigPath(const std::string& base_dir, const std::string& path) {
  namespace fs = std::filesystem;
  if (path.empty() || fs::path(path).is_absolute()) return path;
  return (fs::path(base_dir) / path).lexically_normal().string();
}

// Fills cluster.password; every problem through r.Error, advice to `warnings`.
void ReadClusterPassword(TableReader& r, const std::string& base_dir, ClusterConfig& cluster,
                         std::vector<std::string>& warnings, ConfigChecks checks);

}  // namespace rse
