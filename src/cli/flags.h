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
  LogLevel log_level = LogLevel::kInfo;  // --log.level
  LogFormat log_format = LogFormat::kLogfmt;  // --log.format
  bool version = false;                       // --version
  bool help = false;                          // --help, -h
};

StatusOr<Flags> ParseFlags(const std::vector<std::string>& args);

std::string UsageText();

}  // namespace rse
