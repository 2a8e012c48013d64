#include "catalog/query_settings.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace rse {
namespace {

// Planner and memory knobs that bound what one statement may cost. Nothing
// here touches transactions, roles, replication or logging; the statement
// time limit is the query's own `timeout`, kept within the scrape deadline.
constexpr const char* kPostgres[] = {
    "cpu_index_tuple_cost", "cpu_operator_cost", "cpu_tuple_cost", "effective_cache_size",
    "effective_io_concurrency", "enable_bitmapscan", "enable_hashagg", "enable_hashjoin",
    "enable_indexonlyscan", "enable_indexscan", "enable_material", "enable_mergejoin",
    "enable_nestloop", "enable_parallel_append", "enable_parallel_hash", "enable_partition_pruning",
    "enable_seqscan", "enable_sort", "from_collapse_limit", "hash_mem_multiplier", "jit",
    "join_collapse_limit", "lock_timeout", "max_parallel_workers_per_gather", "parallel_setup_cost",
    "parallel_tuple_cost", "plan_cache_mode", "random_page_cost", "seq_page_cost", "work_mem"};
// Session variables MariaDB's SET STATEMENT accepts that bound one
// statement's memory, plan search or logging; max_statement_time is the
// query's own `timeout`.
constexpr const char* kMariadb[] = {
    "big_tables", "div_precision_increment", "group_concat_max_len", "join_buffer_size",
    "join_cache_level", "long_query_time", "max_heap_table_size", "max_join_size",
    "max_sort_length", "optimizer_search_depth", "optimizer_switch",
    "optimizer_use_condition_selectivity", "read_buffer_size", "read_rnd_buffer_size",
    "sort_buffer_size", "tmp_table_size"};

template <size_t N>
bool In(const char* const (&list)[N], const std::string& name) {
  return std::find_if(std::begin(list), std::end(list),
                      [&](const char* allowed) { return name == allowed; }) != std::end(list);
}

// Letters, digits and the punctuation of sizes and switch lists ("64MB",
// "index_merge=off,mrr=on"): no quote, backslash or semicolon can reach the SQL.
bool SafeText(const std::string& text) {
  return !text.empty() && text.size() <= 256 && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '.' || c == ',' || c == '=' || c == '-' || c == '+';
  });
}

}  // namespace

std::string SettingEngine(const std::string& name) {
  if (In(kPostgres, name)) return "postgres";
  if (In(kMariadb, name)) return "mariadb";
  return "";
}

std::vector<std::string> AllowedSettings(const std::string& engine) {
  std::vector<std::string> out;
  if (engine == "postgres") out.assign(std::begin(kPostgres), std::end(kPostgres));
  if (engine == "mariadb") out.assign(std::begin(kMariadb), std::end(kMariadb));
  return out;
}

std::vector<SessionSetting> ParseQuerySettings(TableReader& r, const char* key) {
  std::vector<SessionSetting> out;
  if (!r.Has(key)) return out;
  const toml::table* table = r.Table(key);
  if (!table) return out;
  for (const auto& [k, node] : *table) {
    const std::string name(k.str());
    const std::string where = std::string(key) + "." + name;
    if (SettingEngine(name).empty()) {
      std::string hint = name == "statement_timeout" || name == "max_statement_time"
                             ? "use the query's timeout = \"...\", applied on the server within "
                               "the scrape deadline"
                             : "not a setting a query may change (PostgreSQL: work_mem, jit, "
                               "lock_timeout, random_page_cost...; MariaDB: join_buffer_size, "
                               "long_query_time, optimizer_switch...)";
      r.ErrorAt(node, where, hint);
      continue;
    }
    SessionSetting setting{name, ""};
    if (auto b = node.as_boolean()) {
      setting.literal = b->get() ? "on" : "off";
    } else if (auto i = node.as_integer()) {
      setting.literal = std::to_string(i->get());
    } else if (auto f = node.as_floating_point()) {
      if (!std::isfinite(f->get())) {
        r.ErrorAt(node, where, "must be a finite number");
        continue;
      }
      char text[64];
      std::snprintf(text, sizeof text, "%.17g", f->get());
      setting.literal = text;
    } else if (auto s = node.as_string()) {
      if (!SafeText(s->get())) {
        r.ErrorAt(node, where,
                  "\"" + s->get() + "\": a value may hold letters, digits and _ . , = - + only");
        continue;
      }
      setting.literal = "'" + s->get() + "'";
    } else {
      r.ErrorAt(node, where, "expected a number, a boolean or a string");
      continue;
    }
    out.push_back(std::move(setting));
  }
  return out;
}

}  // namespace rse
