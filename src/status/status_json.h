// /status.json: the status report as JSON, in the stable shape that
// docs/status.schema.json describes (schema "replica_sql_exporter/status/v1").
// Text from databases and configs is carried as is; invalid UTF-8 becomes U+FFFD.
#pragma once

#include <string>

#include "status/status_report.h"

namespace rse {

inline constexpr const char* kStatusSchemaId = "replica_sql_exporter/status/v1";

std::string RenderStatusJson(const StatusReport& report);

}  // namespace rse
