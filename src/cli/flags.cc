#include "cli/flags.h"

#include "config/exporter_config.h"

namespace rse {

std::string UsageText() {
  return std::string(
             "usage: replica_sql_exporter [flags]\n\n"
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
         "  --config.check              validate the config and query catalog, print a summary, "
         "exit\n"
         "  --log.level=LEVEL           debug, info, warn or error (default \"info\")\n"
         "  --log.format=FORMAT         logfmt or json (default \"logfmt\")\n"
         "  --version                   print the version and exit\n"
         "  -h, --help                  print this help and exit\n";
}

StatusOr<Flags> ParseFlags(const std::vector<std::string>& args) {
  Flags flags;
  flags.config_file = kDefaultConfigFile;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
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
    if (name == "config.check" || name == "version") {
      bool on = !value || *value == "true";
      if (value && *value != "true" && *value != "false") {
        return Status::InvalidArgument("--" + name + " takes no value (or =true/=false)");
      }
      (name == "version" ? flags.version : flags.config_check) = on;
      continue;
    }
    if (name != "config.file" && name != "web.listen-address" && name != "log.level" &&
        name != "log.format") {
      return Status::InvalidArgument("unknown flag --" + name + " (see --help)");
    }
    if (!value) {
      if (i + 1 >= args.size()) return Status::InvalidArgument("--" + name + " needs a value");
      value = args[++i];
    }
    if (name == "config.file") {
      flags.config_file = *value;
    } else if (name == "web.listen-address") {
      flags.listen_address = *value;
    } else if (name == "log.level") {
      auto level = ParseLogLevel(*value);
      if (!level.ok()) return level.status();
      flags.log_level = *level;
    } else {  // log.format
      auto format = ParseLogFormat(*value);
      if (!format.ok()) return format.status();
      flags.log_format = *format;
    }
  }
  return flags;
}

}  // namespace rse
