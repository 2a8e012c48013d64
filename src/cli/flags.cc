#include "cli/flags.h"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <optional>

#include "config/exporter_config.h"

namespace rse {

std::string UsageText() {
  return std::string(
             "usage: replica_sql_exporter [flags]\n"
             "       replica_sql_exporter generate rules|dashboard|schema [--config.file=PATH]\n"
             "                            [--output.dir=DIR] [--generate.job=NAME]\n\n"
             "Runs business SQL queries against one healthy replica of a PostgreSQL or "
             "MySQL/MariaDB\n"
             "cluster at scrape time and exposes the results as Prometheus metrics.\n\n"
             "Flags:\n"
             "  --config.file=PATH          exporter config file (default \"") +
         kDefaultConfigFile +
         "\",\n"
         "                              relative to the working directory)\n"
         "  --web.listen-address=ADDR   address to listen on, e.g. \":10399\"; overrides [web] "
         "listen_address\n"
         "  --web.config.file=PATH      exporter-toolkit web config (TLS, basic auth, headers)\n"
         "  --web.telemetry-path=PATH   path of the metrics (default \"/metrics\")\n"
         "  --web.enable-lifecycle      serve POST /-/reload and POST /-/quit\n"
         "  --web.max-connections=N     open HTTP connections at most; more are closed at once\n"
         "                              (default 16384)\n"
         "  --config.check              validate the config, query catalog and web config as a\n"
         "                              start would (no database contacted), print a summary, exit\n"
         "  --dry-run                   take one healthy replica, run every query once, print the\n"
         "                              exposition to stdout and a summary to stderr, exit\n"
         "                              (non-zero if a query failed)\n"
         "  --explain                   with --dry-run: also print each query's plan (EXPLAIN,\n"
         "                              never ANALYZE) from the replica that would serve it,\n"
         "                              its estimated rows against max_series and sequential\n"
         "                              scans of big tables (non-zero if a query would exceed\n"
         "                              max_series by estimate)\n"
         "  --explain.seq-scan-rows=N   flag sequential scans of tables of more than N rows\n"
         "                              (estimated; default 100000)\n"
         "  --log.level=LEVEL           debug, info, warn or error (default \"info\")\n"
         "  --log.format=FORMAT         logfmt or json (default \"logfmt\")\n"
         "  --version                   print the version and exit\n"
         "\n"
         "generate writes, for the catalog of --config.file, into --output.dir (default \".\"):\n"
         "  rules      replica_sql_exporter.rules.yml and .rules.test.yml: alerts (exporter down,\n"
         "             no healthy replica, lag, each query failing, each cache too old) and a\n"
         "             promtool test that fires each; the jobs are NAME and NAME_<group>\n"
         "             (--generate.job, default \"replica_sql_exporter\")\n"
         "  dashboard  replica_sql_exporter.json: a Grafana dashboard, the exporter's health and\n"
         "             a row per query with a panel per metric\n"
         "  schema     replica_sql_exporter.schema.json and replica_sql_queries.schema.json: JSON\n"
         "             Schemas of the config and of query files, for editors (Taplo)\n"
         "  -h, --help                  print this help and exit\n";
}

namespace {

bool IsSwitch(const std::string& name) {
  return name == "config.check" || name == "version" || name == "dry-run" || name == "explain" ||
         name == "web.enable-lifecycle";
}

bool TakesValue(const std::string& name) {
  return name == "config.file" || name == "web.listen-address" || name == "log.level" ||
         name == "log.format" || name == "web.config.file" || name == "web.telemetry-path" ||
         name == "web.max-connections" || name == "explain.seq-scan-rows" ||
         name == "output.dir" || name == "generate.job";
}

Status SetSwitch(const std::string& name, const std::optional<std::string>& value, Flags* flags) {
  if (value && *value != "true" && *value != "false")
    return Status::InvalidArgument("--" + name + " takes no value (or =true/=false)");
  const bool on = !value || *value == "true";
  if (name == "version") flags->version = on;
  if (name == "config.check") flags->config_check = on;
  if (name == "dry-run") flags->dry_run = on;
  if (name == "explain") flags->explain = on;
  if (name == "web.enable-lifecycle") flags->enable_lifecycle = on;
  return Status::Ok();
}

Status CheckTelemetryPath(const std::string& path) {
  static const char* kTaken[] = {"/", "/config", "/-/healthy", "/-/ready", "/-/reload", "/-/quit"};
  if (path.empty() || path.front() != '/' || path.find_first_of(" \t\r\n?#") != std::string::npos) {
    return Status::InvalidArgument("--web.telemetry-path must be a path starting with '/', got \"" +
                                   path + "\"");
  }
  for (const char* taken : kTaken) {
    if (path == taken) {
      return Status::InvalidArgument("--web.telemetry-path \"" + path +
                                     "\" is taken by another endpoint");
    }
  }
  return Status::Ok();
}

// A whole number from `min` to `max`, or nothing.
std::optional<long long> WholeNumber(const std::string& text, long long min, long long max) {
  char* end = nullptr;
  errno = 0;
  const long long n = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno != 0 || n < min || n > max) return std::nullopt;
  return n;
}

Status SetValue(const std::string& name, const std::string& value, Flags* flags) {
  if ((name == "output.dir" || name == "generate.job") && flags->generate.empty())
    return Status::InvalidArgument("--" + name + " only applies to generate (see --help)");
  if (name == "config.file") {
    flags->config_file = value;
  } else if (name == "output.dir") {
    if (value.empty()) return Status::InvalidArgument("--output.dir needs a directory");
    flags->output_dir = value;
  } else if (name == "generate.job") {
    if (value.empty()) return Status::InvalidArgument("--generate.job needs a job name");
    flags->job = value;
  } else if (name == "web.listen-address") {
    flags->listen_address = value;
  } else if (name == "web.config.file") {
    if (value.empty()) return Status::InvalidArgument("--web.config.file needs a path");
    flags->web_config_file = value;
  } else if (name == "web.telemetry-path") {
    if (Status path = CheckTelemetryPath(value); !path.ok()) return path;
    flags->telemetry_path = value;
  } else if (name == "web.max-connections") {
    const std::optional<long long> n = WholeNumber(value, 1, 1'000'000);
    if (!n) {
      return Status::InvalidArgument(
          "--web.max-connections must be a whole number from 1 to 1000000, got \"" + value + "\"");
    }
    flags->max_connections = static_cast<int>(*n);
  } else if (name == "explain.seq-scan-rows") {
    const std::optional<long long> n = WholeNumber(value, 0, LLONG_MAX);
    if (!n) {
      return Status::InvalidArgument(
          "--explain.seq-scan-rows must be a whole number of rows, 0 or more, got \"" + value + "\"");
    }
    flags->seq_scan_rows = *n;
  } else if (name == "log.level") {
    auto level = ParseLogLevel(value);
    if (!level.ok()) return level.status();
    flags->log_level = *level;
  } else {  // log.format
    auto format = ParseLogFormat(value);
    if (!format.ok()) return format.status();
    flags->log_format = *format;
  }
  return Status::Ok();
}

}  // namespace

StatusOr<Flags> ParseFlags(const std::vector<std::string>& args) {
  Flags flags;
  flags.config_file = kDefaultConfigFile;
  size_t first = 0;
  if (!args.empty() && args[0] == "generate") {
    if (args.size() < 2 || (args[1] != "rules" && args[1] != "dashboard" && args[1] != "schema"))
      return Status::InvalidArgument("generate needs what: rules, dashboard or schema (see --help)");
    flags.generate = args[1];
    first = 2;
  }
  for (size_t i = first; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "-h" || arg == "--help") {
      flags.help = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0)
      return Status::InvalidArgument("unexpected argument \"" + arg + "\" (see --help)");
    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    Status set = Status::Ok();
    if (IsSwitch(name)) {
      set = SetSwitch(name, value, &flags);
    } else if (!TakesValue(name)) {
      return Status::InvalidArgument("unknown flag --" + name + " (see --help)");
    } else if (value) {
      set = SetValue(name, *value, &flags);
    } else {
      if (i + 1 >= args.size()) return Status::InvalidArgument("--" + name + " needs a value");
      set = SetValue(name, args[++i], &flags);
    }
    if (!set.ok()) return set;
  }
  if (flags.explain && !flags.dry_run) {
    return Status::InvalidArgument("--explain needs --dry-run (it explains the queries a dry run runs)");
  }
  if (flags.config_check && flags.dry_run) {
    return Status::InvalidArgument("--config.check and --dry-run exclude each other");
  }
  return flags;
}

}  // namespace rse
