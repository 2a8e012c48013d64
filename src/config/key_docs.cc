#include "config/key_docs.h"

#include <cstdlib>

namespace rse {
namespace {

constexpr std::string_view kLabelName = "^[a-zA-Z_][a-zA-Z0-9_]*$";
constexpr std::string_view kMetricName = "^[a-zA-Z_:][a-zA-Z0-9_:]*$";

const TableDoc kWeb{"web", "The HTTP server.", {
    {"listen_address", KeyKind::kString, "Address to listen on, \"[host]:port\" (default \":10399\"); --web.listen-address overrides it."},
}};

const TableDoc kScrape{"scrape", "How a scrape runs.", {
    {"timeout", KeyKind::kDuration, "A scrape's deadline when Prometheus sends no X-Prometheus-Scrape-Timeout-Seconds header (default 10s)."},
    {"timeout_offset", KeyKind::kDuration, "Subtracted from Prometheus' scrape timeout, so the answer arrives before it gives up."},
    {"max_concurrent_queries", KeyKind::kInteger, "Queries of one scrape that run at once on the serving replica (default 4).", false, {}, 1, 1024},
}};

const TableDoc kCluster{"cluster", "The database cluster: its replicas, how to reach and judge them.", {
    {"name", KeyKind::kString, "The cluster's name, shown on /status and in logs.", true},
    {"engine", KeyKind::kString, "The database engine.", true, {"postgres", "mysql"}},
    {"database", KeyKind::kString, "The database the queries run in (fan-out queries: theirs instead).", true},
    {"user", KeyKind::kString, "The database user: read-only, see docs/deployment.md.", true},
    {"password", KeyKind::kString, "The password itself (discouraged: prefer password_file, password_env or password_command)."},
    {"password_file", KeyKind::kString, "A file holding the password, read at each connect (rotation needs no restart)."},
    {"password_env", KeyKind::kString, "An environment variable holding the password."},
    {"password_command", KeyKind::kStringArray, "A program and its arguments that print the password (a vault, a cloud token)."},
    {"password_ttl", KeyKind::kDuration, "How long password_command's answer is reused."},
    {"password_command_timeout", KeyKind::kDuration, "How long password_command may run."},
    {"replicas", KeyKind::kStringArray, "The replicas, \"host:port\" (never the primary); a name with several addresses counts each.", false, {}, {}, {}, "^.+:[0-9]+$"},
    {"replicas_srv", KeyKind::kStringArray, "DNS SRV names whose targets are replicas (e.g. Kubernetes headless services)."},
    {"connect_timeout", KeyKind::kDuration, "How long a connection may take to open: whole seconds, at least 1s (default 2s)."},
    {"max_replication_lag", KeyKind::kDuration, "A replica lagging more than this leaves the rotation (default 30s)."},
    {"failover", KeyKind::kString, "\"automatic\" declares master election (Patroni, Galera, Group Replication): refused, monitor per instance.", false, {"none", "automatic"}},
    {"when_all_lagging", KeyKind::kString, "When every replica lags past max_replication_lag: serve none, or the least lagged.", false, {"refuse", "least_lagged"}},
    {"tls_mode", KeyKind::kString, "TLS to the database (default prefer).", false, {"disable", "prefer", "require", "verify-ca", "verify-full"}},
    {"tls_ca_file", KeyKind::kString, "CA certificates that sign the servers' certificates (verify-ca, verify-full)."},
    {"tls_cert_file", KeyKind::kString, "Client certificate, with tls_key_file."},
    {"tls_key_file", KeyKind::kString, "Client key, with tls_cert_file."},
    {"session_sql", KeyKind::kStringArray, "Statements run once on every new session."},
    {"pooler", KeyKind::kString, "PgBouncer in front of PostgreSQL, by its pool_mode.", false, {"none", "pgbouncer-session", "pgbouncer-transaction", "pgbouncer-statement"}},
    {"members_are", KeyKind::kString, "Each address is one server, or a load balancer whose sessions may each reach another server.", false, {"servers", "load_balancers"}},
    {"dns_refresh", KeyKind::kDuration, "How often replica names are resolved again, at scrape time (0: never)."},
}};

const TableDoc kPool{"pool", "Connections and health checks per replica.", {
    {"connections_per_replica", KeyKind::kInteger, "Sessions open to one replica at most, across databases (default 2).", false, {}, 1, 64},
    {"probe_timeout", KeyKind::kDuration, "A health probe slower than this marks the replica down (default 1s)."},
    {"rise", KeyKind::kInteger, "Healthy probes in a row before a replica returns to the rotation (default 2).", false, {}, 1, 100},
    {"fall", KeyKind::kInteger, "Lagging probes in a row before a replica leaves it (default 2).", false, {}, 1, 100},
}};

const TableDoc kQueries{"queries", "Where the query catalog is.", {
    {"files", KeyKind::kStringArray, "Query files, glob patterns relative to this file."},
}};

const TableDoc kExporter{"replica_sql_exporter config", "The exporter config file (--config.file).", {
    {"web", KeyKind::kTable, kWeb.description, false, {}, {}, {}, {}, &kWeb},
    {"scrape", KeyKind::kTable, kScrape.description, false, {}, {}, {}, {}, &kScrape},
    {"cluster", KeyKind::kTable, kCluster.description, true, {}, {}, {}, {}, &kCluster},
    {"pool", KeyKind::kTable, kPool.description, false, {}, {}, {}, {}, &kPool},
    {"queries", KeyKind::kTable, kQueries.description, false, {}, {}, {}, {}, &kQueries},
}};

const TableDoc kMetric{"query.metrics", "One metric fed by the query: one sample per result row.", {
    {"name", KeyKind::kString, "The metric name; a counter's ends in _total; not replica_sql_...", true, {}, {}, {}, kMetricName},
    {"type", KeyKind::kString, "gauge (default), counter or histogram.", false, {"gauge", "counter", "histogram"}},
    {"help", KeyKind::kString, "The HELP text.", true},
    {"labels", KeyKind::kStringArray, "Result columns that become labels, in order.", false, {}, {}, {}, kLabelName},
    {"value", KeyKind::kString, "The result column holding the value."},
    {"values", KeyKind::kStringsOrMap, "Several value columns: one series per column, told apart by value_label; [\"col\", ...] or { col = \"label value\" }."},
    {"value_label", KeyKind::kString, "With values: the label that tells the columns apart.", false, {}, {}, {}, kLabelName},
    {"static_labels", KeyKind::kStringMap, "Labels with the same value on every sample."},
    {"static_value", KeyKind::kNumber, "Instead of value: the same value for every row (info-style metrics)."},
    {"null_value", KeyKind::kNumber, "Used when the value column is NULL (else the sample is skipped)."},
    {"buckets", KeyKind::kStringMap, "Histograms: { \"<upper bound>\" = \"<column>\", ..., \"+Inf\" = \"<column>\" }, cumulative counts."},
    {"sum", KeyKind::kString, "Histograms: the column holding the sum of the observations."},
    {"unit", KeyKind::kString, "OpenMetrics # UNIT; the name must end in it (seconds, bytes, ratio...).", false, {}, {}, {}, "^[a-z][a-z0-9_]*$"},
}};

const TableDoc kQuery{"query", "One SQL query run at scrape time on a healthy replica.", {
    {"name", KeyKind::kString, "Unique across files; the query label of the self-metrics.", true, {}, {}, {}, kLabelName},
    {"sql", KeyKind::kString, "The statement: one that returns rows, run read-only.", true},
    {"group", KeyKind::kString, "Served only by /metrics?group=<group>, its own Prometheus job.", false, {}, {}, {}, "^[a-zA-Z0-9_-]{1,64}$"},
    {"timeout", KeyKind::kDuration, "The query's own time limit, capped by the scrape deadline."},
    {"cache", KeyKind::kDuration, "A slow query whose result is reused up to this age (at least 1s)."},
    {"max_staleness", KeyKind::kDuration, "With cache: never serve an older result (default 2x cache)."},
    {"max_series", KeyKind::kInteger, "More samples than this drop the query's metrics (default 10000).", false, {}, 1, 1000000},
    {"metrics", KeyKind::kTableArray, kMetric.description, true, {}, {}, {}, {}, &kMetric},
    {"settings", KeyKind::kSettingsMap, "Server settings for this query only (PostgreSQL SET LOCAL, MariaDB SET STATEMENT), from an allow-list."},
    {"snapshot", KeyKind::kString, "Runs in one read-only repeatable-read transaction with the snapshot's other queries.", false, {}, {}, {}, kLabelName},
    {"databases", KeyKind::kStringArray, "Runs once per database on the serving replica, each sample labelled with it."},
    {"databases_query", KeyKind::kString, "Instead of databases: a query run on the replica at each scrape, its first column the databases."},
    {"database_label", KeyKind::kString, "With databases or databases_query: the label of the database name (default \"database\").", false, {}, {}, {}, kLabelName},
    {"max_concurrent_databases", KeyKind::kInteger, "With databases or databases_query: databases run at once (default 2).", false, {}, 1, 64},
}};

const TableDoc kSnapshot{"snapshot", "Queries that run in one consistent snapshot, in this order.", {
    {"name", KeyKind::kString, "The snapshot's name.", true, {}, {}, {}, kLabelName},
    {"queries", KeyKind::kStringArray, "The names of its queries, in the order they run.", true},
}};

const TableDoc kQueryFile{"replica_sql_exporter queries", "A query file of the catalog ([queries] files).", {
    {"query", KeyKind::kTableArray, kQuery.description, false, {}, {}, {}, {}, &kQuery},
    {"snapshot", KeyKind::kTableArray, kSnapshot.description, false, {}, {}, {}, {}, &kSnapshot},
}};

}  // namespace

const TableDoc& ExporterConfigDoc() { return kExporter; }
const TableDoc& QueryFileDoc() { return kQueryFile; }

const TableDoc& TableDocNamed(std::string_view name) {
  for (const TableDoc* doc : {&kWeb, &kScrape, &kCluster, &kPool, &kQueries, &kExporter, &kMetric,
                              &kQuery, &kSnapshot, &kQueryFile}) {
    if (doc->name == name) return *doc;
  }
  std::abort();
}

}  // namespace rse
