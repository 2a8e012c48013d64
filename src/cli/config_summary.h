// The human summary printed by --config.check once config and catalog load.
#pragma once

#include <string>

#include "catalog/query_catalog.h"
#include "config/exporter_config.h"

namespace rse {

std::string DescribeConfig(const ExporterConfig& config, const QueryCatalog& catalog);

}  // namespace rse
