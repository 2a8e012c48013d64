#include "cli/config_summary.h"

#include "base/duration.h"

namespace rse {

std::string DescribeConfig(const ExporterConfig& config, const QueryCatalog& catalog) {
  const ClusterConfig& cluster = config.cluster;
  std::string replicas;
  for (const HostPort& r : cluster.replicas)
    replicas += (replicas.empty() ? "" : ", ") + r.ToString();
  std::string out = config.source + ": OK\n";
  out += "  listen:    " + config.web.listen.ToString() + "\n";
  out += "  cluster:   " + cluster.name + " (" + EngineName(cluster.engine) + ", database " +
         cluster.database + ", user " + cluster.user + ", tls " + TlsModeName(cluster.tls_mode) +
         ")\n";
  out += "  replicas:  " + std::to_string(cluster.replicas.size()) + ": " + replicas + "\n";
  for (const std::string& name : cluster.replicas_srv)
    out += "  replicas:  SRV " + name + " (its targets, resolved at start and every dns_refresh)\n";
  out += "  scrape:    timeout " + FormatDuration(config.scrape.timeout) + ", offset " +
         FormatDuration(config.scrape.timeout_offset) + ", " +
         std::to_string(config.scrape.max_concurrent_queries) + " queries at once\n";
  out += "  catalog:   " + std::to_string(catalog.files.size()) + " files, " +
         std::to_string(catalog.queries.size()) + " queries, " +
         std::to_string(catalog.MetricCount()) + " metrics\n";
  for (const QuerySpec& q : catalog.queries) {
    out += "    " + q.name + " (" + std::to_string(q.metrics.size()) + " metrics";
    if (q.timeout) out += ", timeout " + FormatDuration(*q.timeout);
    if (q.cache) out += ", cached " + FormatDuration(*q.cache);
    out += ")  " + q.where + "\n";
  }
  for (const std::string& w : config.warnings) out += "  warning:   " + w + "\n";
  return out;
}

std::string DescribeWebConfig(const WebSecurityConfig& web) {
  if (web.source.empty()) return "";
  return web.source + ": OK (" + (web.tls ? "TLS" : "plain HTTP") + ", " +
         std::to_string(web.basic_auth_users.size()) + " basic-auth users)\n";
}

}  // namespace rse
