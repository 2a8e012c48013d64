// The human summary printed by --config.check once config and catalog load.
#pragma once

#include <string>

#include "catalog/query_catalog.h"
#include "config/exporter_config.h"
#include "config/web_config.h"

namespace rse {

std::string DescribeConfig(const ExporterConfig& config, const QueryCatalog& catalog);

// "web.yml: OK (TLS, 2 basic-auth users)\n"; empty without a web config file.
std::string DescribeWebConfig(const WebSecurityConfig& web);

}  // namespace rse
