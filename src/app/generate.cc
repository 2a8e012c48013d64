#include "app/generate.h"

#include <filesystem>
#include <fstream>

#include "catalog/query_catalog.h"
#include "config/exporter_config.h"
#include "generate/alert_rules.h"
#include "generate/config_schema.h"
#include "generate/dashboard.h"

namespace rse {
namespace {

bool Write(const std::filesystem::path& path, const std::string& text, std::ostream& err) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) {
    err << "replica_sql_exporter: cannot write " << path.string() << "\n";
    return false;
  }
  err << "wrote " << path.string() << "\n";
  return true;
}

}  // namespace

int Generate(const Flags& flags, std::ostream& err) {
  const std::filesystem::path dir(flags.output_dir);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    err << "replica_sql_exporter: --output.dir " << dir.string() << ": " << ec.message() << "\n";
    return 1;
  }
  if (flags.generate == "schema") {
    // The schemas describe every config; no config is read.
    return Write(dir / kConfigSchemaFile, ExporterConfigSchema(), err) &&
                   Write(dir / kQueriesSchemaFile, QueryFileSchema(), err)
               ? 0
               : 1;
  }
  auto config = LoadExporterConfig(flags.config_file);
  if (!config.ok()) {
    err << "replica_sql_exporter: " << config.status().message() << "\n";
    return 1;
  }
  auto catalog = LoadQueryCatalog(config->query_files);
  if (!catalog.ok()) {
    err << "replica_sql_exporter: " << catalog.status().message() << "\n";
    return 1;
  }
  if (flags.generate == "dashboard")
    return Write(dir / "replica_sql_exporter.json", GenerateDashboard(*config, *catalog), err) ? 0 : 1;
  RulesOptions options;
  options.job = flags.job;
  const GeneratedRules rules = GenerateAlertRules(*config, *catalog, options);
  return Write(dir / options.rules_file, rules.rules, err) &&
                 Write(dir / TestFileName(options.rules_file), rules.test, err)
             ? 0
             : 1;
}

}  // namespace rse
