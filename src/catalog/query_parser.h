// Turns the [[query]] tables of one parsed TOML file into QuerySpecs, checking
// everything that can be checked within one query. Cross-query rules (unique
// names, consistent metric definitions) live in query_catalog.cc.
#pragma once

#include <toml++/toml.h>

#include <string>
#include <vector>

#include "catalog/query_spec.h"

namespace rse {

// Appends valid queries to `out` and "file:line: query 'x': key: message"
// lines to `errors`.
void ParseQueryFile(const toml::table& root, const std::string& file, std::vector<QuerySpec>* out,
                    std::vector<std::string>* errors);

}  // namespace rse
