// Command-line flags in the Prometheus style: "--name=value" or "--name value".
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/log.h"
#include "base/status.h"

namespace rse {

struct Flags {
  std::string config_file;  // --config.file
  std::optional<std::string>
      listen_address;                    // --web.listen-address; overrides [web] listen_address
  bool config_check = false;             // --config.check
  bool dry_run = false;                  // --dry-run
  bool explain = false;                  // --explain, with --dry-run
  long long seq_scan_rows = 100'000;     // --explain.seq-scan-rows
  std::string web_config_file;           // --web.config.file; empty: plain HTTP, no auth
  std::string telemetry_path = "/metrics";  // --web.telemetry-path
  bool enable_lifecycle = false;            // --web.enable-lifecycle
  int max_connections = 16384;              // --web.max-connections
  LogLevel log_level = LogLevel::kInfo;  // --log.level
  LogFormat log_format = LogFormat::kLogfmt;  // --log.format
  // `generate rules|dashboard|schema`: writes artifacts for the config's
  // catalog into output_dir and exits ("" when not generating).
  std::string generate;
  std::string output_dir = ".";               // --output.dir
  std::string job = "replica_sql_exporter";   // --generate.job: the Prometheus job of /metrics
  bool version = false;                       // --version
  bool help = false;                          // --help, -h
};

StatusOr<Flags> ParseFlags(const std::vector<std::string>& args);

std::string UsageText();

}  // namespace rse
