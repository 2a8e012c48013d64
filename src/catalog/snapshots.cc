#include "catalog/snapshots.h"

#include <map>
#include <set>

#include "catalog/metric_name.h"
#include "config/toml_fields.h"

namespace rse {
namespace {

// "file:line: " as TableReader::Where gives it, without the trailing ": ".
std::string Located(const TableReader& r, const toml::node& node) {
  std::string where = r.Where(node);
  where.resize(where.size() - 2);
  return where;
}

// What a snapshot's queries must share, and how it reads in a message.
struct Shared {
  const char* key;
  bool (*same)(const QuerySpec&, const QuerySpec&);
};
constexpr Shared kShared[] = {
    {"group", [](const QuerySpec& a, const QuerySpec& b) { return a.group == b.group; }},
    {"timeout", [](const QuerySpec& a, const QuerySpec& b) { return a.timeout == b.timeout; }},
    {"cache", [](const QuerySpec& a, const QuerySpec& b) { return a.cache == b.cache; }},
    {"max_staleness",
     [](const QuerySpec& a, const QuerySpec& b) { return a.max_staleness == b.max_staleness; }},
};

}  // namespace

bool IsSnapshotName(std::string_view name) { return IsValidLabelName(name); }

void ParseSnapshotTables(const toml::table& root, const std::string& file,
                         std::vector<SnapshotTable>* out, std::vector<std::string>* errors) {
  TableReader reader(root, file, "", errors);
  const toml::array* tables = reader.TableArray("snapshot");
  if (!tables) return;
  for (const toml::node& node : *tables) {
    TableReader r(*node.as_table(), file, "", errors);
    r.RejectUnknownKeys(TableDocNamed("snapshot"));
    SnapshotTable table;
    table.where = Located(r, node);
    const size_t errors_before = errors->size();
    if (auto name = r.String("name", true)) {
      table.name = *name;
      if (!IsSnapshotName(*name))
        r.Error("name", "\"" + *name + "\" must match [a-zA-Z_][a-zA-Z0-9_]*");
    }
    TableReader s(r.table(), file, table.name.empty() ? "" : "snapshot '" + table.name + "': ",
                  errors);
    if (auto queries = s.StringArray("queries", "query names")) {
      if (queries->empty()) s.Error("queries", "must name at least one query");
      const toml::array& elements = *r.table().get("queries")->as_array();
      std::set<std::string> seen;
      for (size_t i = 0; i < queries->size(); ++i) {
        const std::string& query = (*queries)[i];
        if (!seen.insert(query).second) s.ErrorAt(*elements.get(i), "queries", "'" + query + "' is listed twice");
        table.queries.push_back(query);
        table.query_wheres.push_back(Located(r, *elements.get(i)));
      }
    } else if (!r.Has("queries")) {
      s.Error("queries", "required: the names of the queries that run in this snapshot, in order");
    }
    if (errors->size() == errors_before) out->push_back(std::move(table));
  }
}

namespace {

// Each snapshot's queries: at most kMaxSnapshotQueries, and the settings
// they share (kShared) as its first query has them.
void CheckSnapshotsAgree(const std::vector<QuerySpec>& queries, std::vector<std::string>* errors) {
  // The first query of each snapshot sets what the others must match.
  std::map<std::string, const QuerySpec*> leader;
  std::map<std::string, size_t> sizes;
  for (const QuerySpec& query : queries) {
    if (query.snapshot.empty()) continue;
    if (++sizes[query.snapshot] == kMaxSnapshotQueries + 1) {
      errors->push_back(query.where + ": query '" + query.name + "': snapshot: snapshot '" +
                        query.snapshot + "' has more than " + std::to_string(kMaxSnapshotQueries) +
                        " queries");
    }
    auto [first, fresh] = leader.emplace(query.snapshot, &query);
    if (fresh) continue;
    for (const Shared& shared : kShared) {
      if (shared.same(query, *first->second)) continue;
      errors->push_back(query.where + ": query '" + query.name + "': " + shared.key +
                        ": differs from query '" + first->second->name + "' (" +
                        first->second->where + ") of the same snapshot '" + query.snapshot +
                        "': a snapshot's queries run together, so they share group, timeout, "
                        "cache and max_staleness");
    }
  }
}

}  // namespace

void ResolveSnapshots(const std::vector<SnapshotTable>& tables, std::vector<QuerySpec>* queries,
                      std::vector<std::string>* errors) {
  std::map<std::string, QuerySpec*> by_name;
  for (QuerySpec& query : *queries) by_name.emplace(query.name, &query);
  std::map<std::string, const SnapshotTable*> by_snapshot;
  std::map<std::string, const SnapshotTable*> listed_in;  // Query → the table that lists it.
  for (const SnapshotTable& table : tables) {
    const std::string prefix = "snapshot '" + table.name + "': ";
    auto [first, fresh] = by_snapshot.emplace(table.name, &table);
    if (!fresh) {
      errors->push_back(table.where + ": " + prefix + "name: already defined at " +
                        first->second->where);
      continue;
    }
    for (size_t i = 0; i < table.queries.size(); ++i) {
      const std::string& name = table.queries[i];
      const std::string at = table.query_wheres[i] + ": " + prefix + "queries: ";
      auto it = by_name.find(name);
      if (it == by_name.end()) {
        errors->push_back(at + "no query is named '" + name + "'");
        continue;
      }
      QuerySpec& query = *it->second;
      auto [other, first_listing] = listed_in.emplace(name, &table);
      if (!first_listing) {
        errors->push_back(at + "query '" + name + "' is already in snapshot '" +
                          other->second->name + "' (" + other->second->where + ")");
        continue;
      }
      if (!query.snapshot.empty() && query.snapshot != table.name) {
        errors->push_back(at + "query '" + name + "' names snapshot '" + query.snapshot +
                          "' at " + query.where + "; a query runs in one snapshot");
        continue;
      }
      if (query.fan_out) {
        errors->push_back(at + "query '" + name +
                          "' has databases or databases_query: a snapshot runs on one session, "
                          "in one database");
        continue;
      }
      query.snapshot = table.name;
      query.snapshot_position = static_cast<int>(i);
    }
  }
  // A query's own `snapshot` key: with a table, the table lists it (checked
  // above, or not listed: an error); without one, catalog order.
  std::map<std::string, int> implicit_positions;
  for (QuerySpec& query : *queries) {
    if (query.snapshot.empty() || listed_in.count(query.name)) continue;
    if (auto table = by_snapshot.find(query.snapshot); table != by_snapshot.end()) {
      errors->push_back(query.where + ": query '" + query.name + "': snapshot: snapshot '" +
                        query.snapshot + "' at " + table->second->where +
                        " lists its queries, and this one is not among them");
      continue;
    }
    query.snapshot_position = implicit_positions[query.snapshot]++;
  }
  CheckSnapshotsAgree(*queries, errors);
}

}  // namespace rse
