#include "app/explain.h"

#include <cstdio>
#include <ostream>

#include "db/explain_plan.h"

namespace rse {
namespace {

std::string Rows(double rows) {
  char text[32];
  std::snprintf(text, sizeof text, "%.0f", rows);
  return text;
}

std::string Literal(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// PostgreSQL's plan gives a scan's rows after its filter; the table's size
// is the planner's own estimate of it (pg_class.reltuples; -1: never analysed).
void LookUpTableRows(Connection& connection, const Deadline& deadline, ExplainedPlan::Scan* scan) {
  std::string sql =
      "SELECT c.reltuples FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
      "WHERE c.relname = " + Literal(scan->table);
  if (!scan->schema.empty()) sql += " AND n.nspname = " + Literal(scan->schema);
  auto rows = connection.Query(sql, deadline, "", 2);
  if (!rows.ok() || rows->rows.size() != 1 || !rows->rows[0][0]) return;
  try {
    const double tuples = std::stod(*rows->rows[0][0]);
    if (tuples >= 0) scan->table_rows = tuples;
  } catch (const std::exception&) {
  }
}

// One query's report; true when it passes.
bool ExplainOne(Connection& connection, bool postgres, const QuerySpec& query,
                const ExplainOptions& options, std::chrono::milliseconds budget, std::ostream& err) {
  const Deadline deadline = Deadline::After(*DefaultClock(), budget);
  err << "\nquery " << query.name << " (" << query.where << ")\n";
  if (query.fan_out) {
    // Its tables live in the databases it fans out over, not in the one
    // this session is in (a PostgreSQL session cannot leave its database).
    err << "  not explained: it runs once per database (" << query.fan_out->label
        << "); run EXPLAIN in one of them\n";
    return true;
  }
  const std::string statement =
      (postgres ? "EXPLAIN (FORMAT JSON, VERBOSE) " : "EXPLAIN FORMAT=JSON ") + query.sql;
  RowSetSink sink;
  Status explained = connection.Stream(statement, deadline, query.name, 2, sink, query.settings);
  if (explained.ok() && (sink.rows.rows.empty() || !sink.rows.rows[0][0]))
    explained = Status::InvalidArgument("EXPLAIN returned no plan");
  if (!explained.ok()) {
    err << "  CANNOT EXPLAIN: " << explained.message() << "\n";
    return false;
  }
  auto plan = postgres ? ParsePostgresPlan(*sink.rows.rows[0][0]) : ParseMysqlPlan(*sink.rows.rows[0][0]);
  if (!plan.ok()) {
    err << "  CANNOT EXPLAIN: " << plan.status().message() << "\n";
    return false;
  }
  for (const std::string& line : plan->lines) err << "  " << line << "\n";
  bool pass = true;
  if (plan->estimated_rows) {
    const bool over = *plan->estimated_rows > static_cast<double>(query.max_series);
    err << "  estimated rows: " << Rows(*plan->estimated_rows) << " of max_series "
        << query.max_series << (over ? ": EXCEEDS max_series (raise it, or narrow the query)" : ": ok")
        << "\n";
    pass = !over;
  } else {
    err << "  estimated rows: not estimated (MySQL/MariaDB plans give rows read, not returned)\n";
  }
  for (ExplainedPlan::Scan& scan : plan->full_scans) {
    if (postgres) LookUpTableRows(connection, deadline, &scan);
    const std::string table = (scan.schema.empty() ? "" : scan.schema + ".") + scan.table;
    if (!scan.table_rows) {
      err << "  full scan of " << table << " (size unknown: never analysed)\n";
    } else if (*scan.table_rows > static_cast<double>(options.seq_scan_rows)) {
      err << "  WARNING: full scan of " << table << ", a table of ~" << Rows(*scan.table_rows)
          << " rows (over --explain.seq-scan-rows=" << options.seq_scan_rows << ")\n";
    } else {
      err << "  full scan of " << table << " (~" << Rows(*scan.table_rows) << " rows): small\n";
    }
  }
  return pass;
}

}  // namespace

int ExplainQueries(Exporter& exporter, const LoadedConfig& loaded, const ExplainOptions& options,
                   std::ostream& err) {
  const bool postgres = loaded.config.cluster.engine == Engine::kPostgres;
  const std::chrono::milliseconds budget = loaded.config.scrape.timeout;
  int failed = 0;
  Status opened = exporter.WithReplicaSession(budget, [&](Connection& connection, const std::string& replica) {
    err << "\nplans from replica " << replica << " (EXPLAIN: estimates, nothing of the queries ran)\n";
    for (const QuerySpec& query : loaded.catalog.queries) {
      if (!ExplainOne(connection, postgres, query, options, budget, err)) ++failed;
    }
  });
  if (!opened.ok()) {
    err << "\nno plans: no healthy replica (" << opened.message() << ")\n";
    return 1;
  }
  err << "\n" << loaded.catalog.queries.size() - failed << " of " << loaded.catalog.queries.size()
      << " queries within max_series by estimate\n";
  return failed == 0 ? 0 : 1;
}

}  // namespace rse
