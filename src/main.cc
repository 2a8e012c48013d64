// replica_sql_exporter: flags → config, catalog and web config → the service
// (app/service.h) until SIGTERM/SIGINT. --config.check and --dry-run load the
// same way and exit; `generate` writes artifacts for the catalog and exits.
#include <iostream>

#include "app/dry_run.h"
#include "app/generate.h"
#include "app/service.h"
#include "base/build_info.h"
#include "cli/config_summary.h"

int main(int argc, char** argv) {
  using namespace rse;
  auto fail = [](const std::string& message) {
    std::cerr << "replica_sql_exporter: " << message << "\n";
    return 1;
  };
  auto flags = ParseFlags(std::vector<std::string>(argv + 1, argv + argc));
  if (!flags.ok()) return fail(flags.status().message());
  if (flags->help || flags->version) {
    std::cout << (flags->help ? UsageText()
                              : std::string("replica_sql_exporter, version ") + kVersion +
                                    " (revision " + kRevision + ")\n");
    return 0;
  }
  if (!flags->generate.empty()) return Generate(*flags, std::cerr);
  const ConfigPaths paths{flags->config_file, flags->web_config_file, flags->listen_address};
  auto loaded = LoadEverything(paths);
  if (!loaded.ok()) return fail(loaded.status().message());
  if (flags->config_check) {
    std::cout << DescribeConfig(loaded->config, loaded->catalog) << DescribeWebConfig(loaded->web);
    return 0;
  }
  Logger logger(flags->log_level, flags->log_format, &std::cerr);
  for (const std::string& warning : loaded->config.warnings) logger.Warn(warning);
  for (const std::string& warning : loaded->web.warnings) logger.Warn(warning);
  if (flags->dry_run)
    return DryRun(*loaded, {flags->explain, {flags->seq_scan_rows}}, &logger, std::cout, std::cerr);
  return RunService(*flags, paths, *loaded, &logger);
}
