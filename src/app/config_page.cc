#include "app/config_page.h"

#include <toml++/toml.h>

#include <sstream>

#include "base/duration.h"
#include "base/number_format.h"

namespace rse {
namespace {

std::string Duration(std::chrono::milliseconds d) { return FormatDuration(d); }

toml::array Strings(const std::vector<std::string>& values) {
  toml::array array;
  for (const std::string& value : values) array.push_back(value);
  return array;
}

toml::table Cluster(const ClusterConfig& cluster) {
  toml::array replicas;
  for (const HostPort& replica : cluster.replicas) replicas.push_back(replica.ToString());
  toml::table table{
      {"name", cluster.name},
      {"engine", EngineName(cluster.engine)},
      {"database", cluster.database},
      {"user", cluster.user},
      {"replicas", replicas},
      {"replicas_srv", Strings(cluster.replicas_srv)},
      {"connect_timeout", Duration(cluster.connect_timeout)},
      {"max_replication_lag", Duration(cluster.max_replication_lag)},
      {"failover", cluster.failover == Failover::kAutomatic ? "automatic" : "none"},
      {"when_all_lagging",
       cluster.when_all_lagging == WhenAllLagging::kLeastLagged ? "least_lagged" : "refuse"},
      {"tls_mode", TlsModeName(cluster.tls_mode)},
      {"tls_ca_file", cluster.tls_ca_file},
      {"tls_cert_file", cluster.tls_cert_file},
      {"tls_key_file", cluster.tls_key_file},
      {"session_sql", Strings(cluster.session_sql)},
      {"pooler", PoolerName(cluster.pooler)},
      {"members_are", MembersAreName(cluster.members_are)},
      {"dns_refresh", Duration(cluster.dns_refresh)},
  };
  switch (cluster.password.kind) {
    case PasswordSource::Kind::kNone: break;
    case PasswordSource::Kind::kFile: table.insert("password_file", cluster.password.file); break;
    case PasswordSource::Kind::kEnv: table.insert("password_env", cluster.password.env); break;
    case PasswordSource::Kind::kInline: table.insert("password", kSecretMask); break;
    case PasswordSource::Kind::kCommand:
      table.insert("password_command", Strings(cluster.password.command.argv));
      table.insert("password_ttl", Duration(cluster.password.command.ttl));
      table.insert("password_command_timeout", Duration(cluster.password.command.timeout));
      break;
  }
  return table;
}

toml::table Metric(const MetricSpec& metric) {
  toml::table table{{"name", metric.name}, {"type", MetricTypeName(metric.type)}, {"help", metric.help}};
  table.insert("labels", Strings(metric.labels));
  if (!metric.static_labels.empty()) {
    toml::table labels;
    for (const Label& label : metric.static_labels) labels.insert(label.name, label.value);
    table.insert("static_labels", labels);
  }
  if (!metric.value_column.empty()) table.insert("value", metric.value_column);
  if (metric.static_value) table.insert("static_value", *metric.static_value);
  if (metric.null_value) table.insert("null_value", *metric.null_value);
  if (!metric.values.empty()) {
    toml::table values;
    for (const MetricSpec::ValueColumn& value : metric.values) values.insert(value.column, value.label_value);
    table.insert("values", std::move(values));
    table.insert("value_label", metric.value_label);
  }
  if (!metric.unit.empty()) table.insert("unit", metric.unit);
  if (!metric.buckets.empty()) {
    toml::table buckets;
    for (const HistogramBucket& bucket : metric.buckets) {
      buckets.insert(FormatValue(bucket.upper_bound), bucket.column);
    }
    table.insert("buckets", buckets);
    table.insert("sum", metric.sum_column);
  }
  return table;
}

toml::table Query(const QuerySpec& query) {
  toml::table table{{"name", query.name}, {"sql", query.sql}};
  if (query.timeout) table.insert("timeout", Duration(*query.timeout));
  if (query.cache) {
    table.insert("cache", Duration(*query.cache));
    table.insert("max_staleness", Duration(query.max_staleness));
  }
  table.insert("max_series", query.max_series);
  if (!query.group.empty()) table.insert("group", query.group);
  if (!query.settings.empty()) {
    toml::table settings;  // As the server reads them (SQL literals).
    for (const SessionSetting& setting : query.settings) settings.insert(setting.name, setting.literal);
    table.insert("settings", std::move(settings));
  }
  toml::array metrics;
  for (const MetricSpec& metric : query.metrics) metrics.push_back(Metric(metric));
  table.insert("metrics", metrics);
  return table;
}

}  // namespace

std::string RenderConfigPage(const LoadedConfig& loaded) {
  const ExporterConfig& config = loaded.config;
  toml::table root{
      {"web", toml::table{{"listen_address", config.web.listen.ToString()}}},
      {"scrape", toml::table{{"timeout", Duration(config.scrape.timeout)},
                             {"timeout_offset", Duration(config.scrape.timeout_offset)},
                             {"max_concurrent_queries", config.scrape.max_concurrent_queries}}},
      {"cluster", Cluster(config.cluster)},
      {"pool", toml::table{{"connections_per_replica", config.pool.connections_per_replica},
                           {"probe_timeout", Duration(config.pool.probe_timeout)},
                           {"rise", config.pool.rise},
                           {"fall", config.pool.fall}}},
      {"queries", toml::table{{"files", Strings(config.query_files)}}},
  };
  toml::array queries;
  for (const QuerySpec& query : loaded.catalog.queries) queries.push_back(Query(query));
  root.insert("query", queries);

  const WebSecurityConfig& web = loaded.web;
  toml::table web_config;
  if (web.tls) {
    web_config.insert("tls_server_config",
                      toml::table{{"cert_file", web.tls->cert_file},
                                  {"key_file", web.tls->key_file},
                                  {"client_ca_file", web.tls->client_ca_file},
                                  {"client_auth_type", ClientAuthName(web.tls->client_auth)},
                                  {"min_version", web.tls->min_version},
                                  {"max_version", web.tls->max_version}});
  }
  if (!web.basic_auth_users.empty()) {
    toml::table users;
    for (const auto& [user, hash] : web.basic_auth_users) users.insert(user, kSecretMask);
    web_config.insert("basic_auth_users", users);
  }
  if (!web.headers.empty()) {
    toml::table headers;
    for (const auto& [name, value] : web.headers) headers.insert(name, value);
    web_config.insert("http_server_config", toml::table{{"headers", headers}});
  }
  std::ostringstream out;
  out << "# replica_sql_exporter: the running configuration, defaults filled in.\n"
      << "# From " << config.source;
  for (const std::string& file : loaded.catalog.files) out << ", " << file;
  if (!web.source.empty()) out << ", " << web.source;
  out << ".\n\n" << root << "\n";
  if (!web_config.empty()) {
    out << "\n# --web.config.file " << web.source << " (YAML there; the same keys)\n"
        << toml::table{{"web_config", web_config}} << "\n";
  }
  return out.str();
}

}  // namespace rse
