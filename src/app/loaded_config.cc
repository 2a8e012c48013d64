#include "app/loaded_config.h"

#include "http/tls_context.h"

namespace rse {

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
