// `generate dashboard`: a Grafana dashboard for one catalog: the exporter's
// own health row (up, serving lag, replica states, query duration and errors,
// cache age against max staleness), then a row per query with a panel per
// metric, its labels in the legend. Text in, text out.
#pragma once

#include <string>

#include "catalog/query_catalog.h"
#include "config/exporter_config.h"

namespace rse {

// Grafana's dashboard JSON (schemaVersion 39), for import or provisioning.
std::string GenerateDashboard(const ExporterConfig& config, const QueryCatalog& catalog);

}  // namespace rse
