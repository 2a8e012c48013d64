#include "app/loaded_config.h"

#include "config/password.h"
#include "http/tls_context.h"
#include "pool/replica_health.h"

namespace rse {

StatusOr<LoadedConfig> LoadEverything(const ConfigPaths& paths) {
  LoadedConfig loaded;
  auto config = LoadExporterConfig(paths.config_file);
  if (!config.ok()) return Status::InvalidArgument("invalid config:\n" + config.status().message());
  loaded.config = std::move(*config);
  if (paths.listen_address) {
    auto listen =
        ParseHostPort(*paths.listen_address, /*allow_empty_host=*/true, /*allow_port_zero=*/true);
    if (!listen.ok()) {
      return Status::InvalidArgument("--web.listen-address: " + listen.status().message());
    }
    loaded.config.web.listen = *listen;
  }
  const ClusterConfig& cluster = loaded.config.cluster;
  std::string problems;
  if (cluster.failover == Failover::kAutomatic) {
    problems += loaded.config.source +
                ": [cluster] failover = \"automatic\" declares master election; " +
                kPerInstanceAdvice + ".\n";
  }
  if (cluster.password.kind == PasswordSource::Kind::kCommand) {
    // Not run here (--config.check contacts nothing): found and executable.
    const std::string& program = cluster.password.command.argv.front();
    if (!FindExecutable(program)) {
      problems += loaded.config.source + ": [cluster] password_command: '" + program +
                  "' is not an executable file (nor found in PATH)\n";
    }
  } else if (auto password = ResolvePassword(cluster.password); !password.ok()) {
    problems += loaded.config.source + ": [cluster] " + password.status().message() + "\n";
  }
  auto catalog = LoadQueryCatalog(loaded.config.query_files);
  if (!catalog.ok()) {
    std::string from = loaded.config.query_files_where.empty()
                           ? ""
                           : " (query files included at " + loaded.config.query_files_where + ")";
    problems += "invalid query catalog" + from + ":\n" + catalog.status().message() + "\n";
  } else {
    loaded.catalog = std::move(*catalog);
  }
  if (!paths.web_config_file.empty()) {
    auto web = LoadWebConfig(paths.web_config_file);
    if (!web.ok()) {
      problems += "invalid web config:\n" + web.status().message() + "\n";
    } else if (Status tls = web->tls ? BuildServerTls(*web->tls).status() : Status::Ok();
               !tls.ok()) {
      // Files that exist but do not load (not PEM, key of another certificate).
      problems += "invalid web config:\n" + paths.web_config_file + ": " + tls.message() + "\n";
    } else {
      loaded.web = std::move(*web);
    }
  }
  if (!problems.empty()) {
    problems.pop_back();
    return Status::InvalidArgument(problems);
  }
  return loaded;
}

}  // namespace rse
