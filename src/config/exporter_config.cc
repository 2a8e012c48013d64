#include "config/exporter_config.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "base/read_file.h"
#include "base/topology.h"
#include "config/cluster_password.h"
#include "config/toml_fields.h"

namespace rse {
namespace {

namespace fs = std::filesystem;

template <typename Enum, size_t N>
std::optional<Enum> ReadEnum(TableReader& reader, std::string_view key,
                             const std::pair<const char*, Enum> (&choices)[N]) {
  auto text = reader.String(key);
  if (!text) return std::nullopt;
  std::string list;
  for (const auto& [name, value] : choices) {
    if (*text == name) return value;
    list += (list.empty() ? "\"" : ", \"") + std::string(name) + "\"";
  }
  reader.Error(key, "\"" + *text + "\" is not one of " + list);
  return std::nullopt;
}

// The same, for an enum that names its own values.
template <typename Enum, size_t N>
std::optional<Enum> ReadEnum(TableReader& reader, std::string_view key, const Enum (&values)[N],
                             const char* (*name_of)(Enum)) {
  std::pair<const char*, Enum> choices[N];
  for (size_t i = 0; i < N; ++i) choices[i] = {name_of(values[i]), values[i]};
  return ReadEnum(reader, key, choices);
}

constexpr std::pair<const char*, Engine> kEngines[] = {{"postgres", Engine::kPostgres},
                                                       {"mysql", Engine::kMysql}};
constexpr std::pair<const char*, Failover> kFailovers[] = {{"none", Failover::kNone},
                                                           {"automatic", Failover::kAutomatic}};
constexpr std::pair<const char*, WhenAllLagging> kWhenAllLagging[] = {
    {"refuse", WhenAllLagging::kRefuse}, {"least_lagged", WhenAllLagging::kLeastLagged}};

void ReadWeb(TableReader& r, WebConfig& web) {
  r.RejectUnknownKeys(TableDocNamed("web"));
  if (auto text = r.String("listen_address")) {
    auto parsed = ParseHostPort(*text, /*allow_empty_host=*/true, /*allow_port_zero=*/true);
    if (parsed.ok())
      web.listen = *parsed;
    else
      r.Error("listen_address", parsed.status().message());
  }
}

void ReadScrape(TableReader& r, ScrapeConfig& scrape) {
  r.RejectUnknownKeys(TableDocNamed("scrape"));
  if (auto v = r.Duration("timeout")) {
    if (v->count() <= 0)
      r.Error("timeout", "must be positive");
    else
      scrape.timeout = *v;
  }
  if (auto v = r.Duration("timeout_offset")) scrape.timeout_offset = *v;
  if (auto v = r.Integer("max_concurrent_queries", 1, 1024))
    scrape.max_concurrent_queries = static_cast<int>(*v);
  if (scrape.timeout_offset >= scrape.timeout) {
    r.Error(r.Has("timeout_offset") ? "timeout_offset" : "timeout",
            "timeout_offset must be smaller than timeout");
  }
}

// [cluster] replicas and replicas_srv: at least one of them, each entry valid and listed once.
void ReadClusterMembers(TableReader& r, ClusterConfig& cluster) {
  const char* kReplicasExpected = "\"host:port\" strings";
  if (!r.Has("replicas") && !r.Has("replicas_srv"))
    r.Error("replicas", std::string("required: an array of ") + kReplicasExpected +
                            " (or replicas_srv: DNS SRV names)");
  if (auto list = r.StringArray("replicas_srv", "DNS SRV names (\"_service._tcp.domain\")")) {
    const toml::array& nodes = *r.table().get("replicas_srv")->as_array();
    if (list->empty() && !r.Has("replicas")) r.Error("replicas_srv", "must list at least one name");
    for (size_t i = 0; i < list->size(); ++i) {
      const std::string& name = (*list)[i];
      if (name.empty() || name.find_first_of(" \t:/@") != std::string::npos) {
        r.ErrorAt(*nodes.get(i), "replicas_srv",
                  "\"" + name + "\" is not a DNS name (e.g. \"_postgresql._tcp.replicas.example\"; "
                  "the port comes from the SRV records)");
      } else if (std::find(cluster.replicas_srv.begin(), cluster.replicas_srv.end(), name) !=
                 cluster.replicas_srv.end()) {
        r.ErrorAt(*nodes.get(i), "replicas_srv", "\"" + name + "\" is listed twice");
      } else {
        cluster.replicas_srv.push_back(name);
      }
    }
  }
  if (auto list = r.StringArray("replicas", kReplicasExpected)) {
    if (list->empty() && cluster.replicas_srv.empty())
      r.Error("replicas", "must list at least one replica");
    const toml::array& nodes = *r.table().get("replicas")->as_array();
    for (size_t i = 0; i < list->size(); ++i) {
      auto parsed =
          ParseHostPort((*list)[i], /*allow_empty_host=*/false, /*allow_port_zero=*/false);
      if (!parsed.ok()) {
        r.ErrorAt(*nodes.get(i), "replicas", parsed.status().message());
        continue;
      }
      for (const HostPort& seen : cluster.replicas) {
        if (seen == *parsed)
          r.ErrorAt(*nodes.get(i), "replicas", "\"" + (*list)[i] + "\" is listed twice");
      }
      cluster.replicas.push_back(*parsed);
    }
  }
}

// [cluster] tls_mode and its files: readable now, the certificate with its key.
void ReadClusterTls(TableReader& r, const std::string& base_dir, ClusterConfig& cluster) {
  if (auto v = ReadEnum(r, "tls_mode", kAllTlsModes, TlsModeName)) cluster.tls_mode = *v;
  for (auto [key, field] : {std::pair{"tls_ca_file", &cluster.tls_ca_file},
                            {"tls_cert_file", &cluster.tls_cert_file},
                            {"tls_key_file", &cluster.tls_key_file}}) {
    if (auto v = r.String(key)) {
      *field = ResolveConfigPath(base_dir, *v);
      // Found now, not at the first connection: --config.check must say so.
      if (!field->empty() && access(field->c_str(), R_OK) != 0)
        r.Error(key, "cannot read \"" + *field + "\": " + std::strerror(errno));
    }
  }
  if (cluster.tls_cert_file.empty() != cluster.tls_key_file.empty()) {
    r.Error(cluster.tls_cert_file.empty() ? "tls_key_file" : "tls_cert_file",
            "tls_cert_file and tls_key_file go together");
  }
  if (cluster.tls_mode == TlsMode::kVerifyCa || cluster.tls_mode == TlsMode::kVerifyFull) {
    if (cluster.tls_ca_file.empty())
      r.Error("tls_mode", "verify-ca and verify-full need tls_ca_file");
  }
}

void ReadCluster(TableReader& r, const std::string& base_dir, ExporterConfig& config,
                 ConfigChecks checks) {
  ClusterConfig& cluster = config.cluster;
  r.RejectUnknownKeys(TableDocNamed("cluster"));
  for (auto [key, field] : {std::pair{"name", &cluster.name},
                            {"database", &cluster.database},
                            {"user", &cluster.user}}) {
    if (auto v = r.String(key, /*required=*/true)) {
      if (v->empty()) r.Error(key, "must not be empty");
      *field = *v;
    }
  }
  if (!r.Has("engine")) r.Error("engine", "required (\"postgres\" or \"mysql\")");
  if (auto v = ReadEnum(r, "engine", kEngines)) cluster.engine = *v;
  ReadClusterPassword(r, base_dir, cluster, config.warnings, checks);
  ReadClusterMembers(r, cluster);
  if (auto v = r.Duration("connect_timeout")) {
    if (v->count() < 1000 || v->count() % 1000 != 0) {
      r.Error("connect_timeout",
              "must be a whole number of seconds, at least 1s (the drivers take seconds)");
    } else {
      cluster.connect_timeout = *v;
    }
  }
  if (auto v = r.Duration("max_replication_lag")) {
    if (v->count() <= 0)
      r.Error("max_replication_lag", "must be positive");
    else
      cluster.max_replication_lag = *v;
  }
  if (auto v = ReadEnum(r, "failover", kFailovers)) cluster.failover = *v;
  if (checks.for_start && cluster.failover == Failover::kAutomatic) {
    r.Error("failover", std::string("\"automatic\" declares master election; ") + kPerInstanceAdvice);
  }
  if (auto v = ReadEnum(r, "when_all_lagging", kWhenAllLagging)) cluster.when_all_lagging = *v;
  ReadClusterTls(r, base_dir, cluster);
  if (auto v = r.StringArray("session_sql", "SQL strings")) cluster.session_sql = *v;
  if (auto v = ReadEnum(r, "pooler", kAllPoolers, PoolerName)) {
    if (*v != Pooler::kNone && cluster.engine != Engine::kPostgres)
      r.Error("pooler", "PgBouncer pools PostgreSQL sessions only; use \"none\" with mysql");
    else
      cluster.pooler = *v;
  }
  if (auto v = ReadEnum(r, "members_are", kAllMembersAre, MembersAreName)) cluster.members_are = *v;
  if (auto v = r.Duration("dns_refresh")) {
    if (v->count() < 0)
      r.Error("dns_refresh", "must not be negative");
    else
      cluster.dns_refresh = *v;
  }
}

void ReadPool(TableReader& r, PoolConfig& pool) {
  r.RejectUnknownKeys(TableDocNamed("pool"));
  if (auto v = r.Duration("probe_timeout")) {
    if (v->count() <= 0)
      r.Error("probe_timeout", "must be positive");
    else
      pool.probe_timeout = *v;
  }
  if (auto v = r.Integer("connections_per_replica", 1, 64))
    pool.connections_per_replica = static_cast<int>(*v);
  if (auto v = r.Integer("rise", 1, 100)) pool.rise = static_cast<int>(*v);
  if (auto v = r.Integer("fall", 1, 100)) pool.fall = static_cast<int>(*v);
}

void ReadQueries(TableReader& r, const std::string& base_dir, ExporterConfig& config) {
  r.RejectUnknownKeys(TableDocNamed("queries"));
  if (const toml::node* node = r.table().get("files")) {
    std::string where = r.Where(*node);  // "file:line: "
    while (!where.empty() && (where.back() == ' ' || where.back() == ':')) where.pop_back();
    config.query_files_where = where;
  }
  if (auto files = r.StringArray("files", "file paths or glob patterns")) {
    for (const std::string& pattern : *files)
      config.query_files.push_back(ResolveConfigPath(base_dir, pattern));
  }
}

}  // namespace

const char* EngineName(Engine engine) { return engine == Engine::kPostgres ? "postgres" : "mysql"; }

StatusOr<ExporterConfig> ParseExporterConfig(std::string_view text, const std::string& name,
                                             const std::string& base_dir, ConfigChecks checks) {
  auto parsed = ParseTomlText(text, name);
  if (!parsed.ok()) return parsed.status();
  ExporterConfig config;
  config.source = name;
  std::vector<std::string> errors;
  TableReader root(*parsed, name, "", &errors);
  root.RejectUnknownKeys(ExporterConfigDoc());
  auto section = [&](std::string_view key, auto read) {
    if (const toml::table* table = root.Table(key)) {
      // Built with append, not "[" + key + "] ": GCC 12 warns falsely (-Wrestrict) on that
      // operator+ chain once inlined in Release builds.
      std::string context = "[";
      context.append(key).append("] ");
      TableReader reader(*table, name, context, &errors);
      read(reader);
    }
  };
  section("web", [&](TableReader& r) { ReadWeb(r, config.web); });
  section("scrape", [&](TableReader& r) { ReadScrape(r, config.scrape); });
  if (!root.Has("cluster")) root.Error("[cluster]", "required section is missing");
  section("cluster", [&](TableReader& r) { ReadCluster(r, base_dir, config, checks); });
  section("pool", [&](TableReader& r) { ReadPool(r, config.pool); });
  section("queries", [&](TableReader& r) { ReadQueries(r, base_dir, config); });
  if (Status status = ErrorsToStatus(errors); !status.ok()) return status;
  return config;
}

StatusOr<ExporterConfig> LoadExporterConfig(const std::string& path, ConfigChecks checks) {
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  std::string base_dir = fs::path(path).parent_path().string();
  return ParseExporterConfig(*text, path, base_dir.empty() ? "." : base_dir, checks);
}

}  // namespace rse
