// Consistent snapshots in the catalog: [[snapshot]] tables (name, queries) and
// the `snapshot` key of a [[query]], resolved across every file into each
// query's QuerySpec::snapshot and snapshot_position.
#pragma once

#include <toml++/toml.h>

#include <string>
#include <vector>

#include "catalog/query_spec.h"

namespace rse {

// A snapshot's queries share one execution, which tracks them in 64 bits.
inline constexpr size_t kMaxSnapshotQueries = 64;

// One [[snapshot]] table as written.
struct SnapshotTable {
  std::string name;
  std::string where;  // "file:line" of the table.
  std::vector<std::string> queries;
  std::vector<std::string> query_wheres;  // "file:line" of each element of `queries`.
};

// Appends the [[snapshot]] tables of one parsed file to `out`, and
// "file:line: snapshot 'x': key: message" lines to `errors`.
void ParseSnapshotTables(const toml::table& root, const std::string& file,
                         std::vector<SnapshotTable>* out, std::vector<std::string>* errors);

// Puts each query in its snapshot: a [[snapshot]] table lists its queries in
// the order they run; `snapshot = "x"` on a query without a table runs them in
// catalog order. A snapshot's queries run together, so they must agree on
// group, timeout, cache and max_staleness; every problem goes to `errors`.
void ResolveSnapshots(const std::vector<SnapshotTable>& tables, std::vector<QuerySpec>* queries,
                      std::vector<std::string>* errors);

// A valid snapshot (or query) name: [a-zA-Z_][a-zA-Z0-9_]*.
bool IsSnapshotName(std::string_view name);

}  // namespace rse
