// Per-database fan-out: `databases = [...]` or `databases_query = "..."` on a
// [[query]] run it once per database on the replica serving the scrape, each
// sample labelled with its database. The keys are read here; the run is
// collect/scrape_engine_fan_out.cc's.
#pragma once

#include <optional>

#include "catalog/query_spec.h"
#include "config/toml_fields.h"

namespace rse {

// A databases_query that returns more databases than this fails the query:
// each database costs a session on the replica.
inline constexpr size_t kMaxFanOutDatabases = 1000;

// Reads databases, databases_query, database_label and
// max_concurrent_databases from the query table `r`; nullopt when the query
// fans out over nothing. Every problem through r.Error.
std::optional<FanOut> ParseFanOut(TableReader& r);

// The fan-out label must not be one a metric of the query already has
// (file:line of the metric in the error).
void CheckFanOutLabel(const QuerySpec& query, std::vector<std::string>* errors);

// A database name as PostgreSQL and MySQL accept it: 1 to 64 bytes, no NUL.
bool IsDatabaseName(std::string_view name);

}  // namespace rse
