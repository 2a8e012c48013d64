#include "app/loaded_config.h"

#include "catalog/query_settings.h"
#include "http/tls_context.h"

namespace rse {
namespace {

// [query.settings] are checked against the names of any engine when the
// catalog loads; here, against the cluster's.
std::string SettingsOfAnotherEngine(const LoadedConfig& loaded) {
  const bool postgres = loaded.config.cluster.engine == Engine::kPostgres;
  const std::string engine = postgres ? "postgres" : "mariadb";
  std::string problems;
  for (const QuerySpec& query : loaded.catalog.queries) {
    for (const SessionSetting& setting : query.settings) {
      if (SettingEngine(setting.name) == engine) continue;
      std::string allowed;
      for (const std::string& name : AllowedSettings(engine)) allowed += (allowed.empty() ? "" : ", ") + name;
      problems += query.where + ": query '" + query.name + "': settings." + setting.name + ": a " +
                  (postgres ? "MariaDB" : "PostgreSQL") + " setting, and this cluster's engine is " +
                  EngineName(loaded.config.cluster.engine) + " (its settings: " + allowed + ")\n";
    }
  }
  return problems.empty() ? "" : "invalid query catalog:\n" + problems;
}

// PgBouncer in statement mode closes a client whose transaction spans two
// statements: a snapshot could never run there.
std::string SnapshotsBehindStatementPooling(const LoadedConfig& loaded) {
  if (loaded.config.cluster.pooler != Pooler::kStatement) return "";
  std::string problems;
  for (const QuerySpec& query : loaded.catalog.queries) {
    if (query.snapshot.empty() || query.snapshot_position != 0) continue;
    problems += query.where + ": query '" + query.name + "': snapshot: snapshot '" +
                query.snapshot +
                "' needs one transaction across its queries, and [cluster] pooler = "
                "\"pgbouncer-statement\" allows one statement per transaction\n";
  }
  return problems.empty() ? "" : "invalid query catalog:\n" + problems;
}

}  // namespace

StatusOr<LoadedConfig> LoadEverything(const ConfigPaths& paths) {
  LoadedConfig loaded;
  // With what a start refuses beyond the text: all of it at once, with lines.
  auto config = LoadExporterConfig(paths.config_file, {.for_start = true});
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
  std::string problems;
  auto catalog = LoadQueryCatalog(loaded.config.query_files);
  if (!catalog.ok()) {
    std::string from = loaded.config.query_files_where.empty()
                           ? ""
                           : " (query files included at " + loaded.config.query_files_where + ")";
    problems += "invalid query catalog" + from + ":\n" + catalog.status().message() + "\n";
  } else {
    loaded.catalog = std::move(*catalog);
    problems += SettingsOfAnotherEngine(loaded);
    problems += SnapshotsBehindStatementPooling(loaded);
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
