// `generate schema`: JSON Schemas (draft 7) of the exporter config and of a
// query file, written from config/key_docs.h, the list the loaders check
// keys against, so editors (Taplo, "Even Better TOML") complete and check
// the same fields with the same descriptions. The schema checks names and
// types; what needs more than one key or the catalog (a counter's _total,
// a snapshot's queries...) is the loader's.
#pragma once

#include <string>

namespace rse {

inline constexpr const char* kConfigSchemaFile = "replica_sql_exporter.schema.json";
inline constexpr const char* kQueriesSchemaFile = "replica_sql_queries.schema.json";

std::string ExporterConfigSchema();
std::string QueryFileSchema();

}  // namespace rse
