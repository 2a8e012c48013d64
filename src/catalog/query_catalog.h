// Loads the query catalog: TOML files of [[query]] tables, found by glob
// patterns, validated as a whole. Every problem is reported with file and line.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "catalog/query_spec.h"

namespace rse {

struct QueryCatalog {
  std::vector<std::string> files;  // The files that were read, in load order.
  std::vector<QuerySpec> queries;  // In file order, then table order.
  size_t MetricCount() const;      // Distinct metric names.
};

// Expands `patterns` (glob(3); a pattern that matches nothing is an error),
// parses each file once and validates the whole catalog.
StatusOr<QueryCatalog> LoadQueryCatalog(const std::vector<std::string>& patterns);

// The same for in-memory files (name → text), in the given order; for tests.
StatusOr<QueryCatalog> ParseQueryCatalog(
    const std::vector<std::pair<std::string, std::string>>& files);

}  // namespace rse
