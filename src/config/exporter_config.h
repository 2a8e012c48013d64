// The exporter's configuration: one struct per TOML section, each field at
// its default. config/replica_sql_exporter.toml shows the same keys and
// defaults (a unit test keeps the two from drifting apart).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "base/host_port.h"
#include "base/status.h"
#include "base/tls_mode.h"
#include "base/topology.h"
#include "config/password_command.h"

namespace rse {

using std::chrono::milliseconds;

inline constexpr int kDefaultPort = 10399;
inline constexpr const char* kDefaultConfigFile = "config/replica_sql_exporter.toml";

enum class Engine { kPostgres, kMysql };
enum class Failover { kNone, kAutomatic };


const char* EngineName(Engine engine);

struct WebConfig {
  HostPort listen{"", kDefaultPort};  // listen_address = ":10399"
};

struct ScrapeConfig {
  milliseconds timeout{10'000};      // Ceiling when Prometheus sends no timeout header.
  milliseconds timeout_offset{500};  // Subtracted from X-Prometheus-Scrape-Timeout-Seconds.
  int max_concurrent_queries = 4;
};

// Where the database password comes from. It is read when connecting, never
// stored in the config struct, so it cannot be printed by accident.
struct PasswordSource {
  enum class Kind { kNone, kFile, kEnv, kInline, kCommand };
  Kind kind = Kind::kNone;
  std::string file;           // kFile: path, relative to the config file's directory when relative.
  std::string env;            // kEnv: variable name.
  std::string inline_secret;  // kInline: discouraged; a warning is logged at load.
  PasswordCommandSpec command;  // kCommand: password_command, password_ttl, password_command_timeout.
  bool operator==(const PasswordSource&) const = default;
};

struct ClusterConfig {
  std::string name;
  Engine engine = Engine::kPostgres;
  std::string database;
  std::string user;
  PasswordSource password;
  std::vector<HostPort> replicas;
  // DNS SRV names whose targets are replicas too ("_postgresql._tcp.db.svc"):
  // each target's addresses are members, found again like `replicas` names.
  std::vector<std::string> replicas_srv;
  milliseconds connect_timeout{2'000};
  milliseconds max_replication_lag{30'000};
  Failover failover = Failover::kNone;
  WhenAllLagging when_all_lagging = WhenAllLagging::kRefuse;
  TlsMode tls_mode = TlsMode::kPrefer;
  std::string tls_ca_file;
  std::string tls_cert_file;
  std::string tls_key_file;
  std::vector<std::string> session_sql;  // Run once on every new connection.
  Pooler pooler = Pooler::kNone;           // PostgreSQL only: PgBouncer's pooling mode.
  MembersAre members_are = MembersAre::kServers;
  // A replica given by name is resolved again at a scrape at most this often
  // (0: only at start and reload): addresses come and go with their series.
  milliseconds dns_refresh{30'000};
  bool operator==(const ClusterConfig&) const = default;
};

struct PoolConfig {
  int connections_per_replica = 2;
  milliseconds probe_timeout{1'000};  // A member whose probe takes longer is down.
  int rise = 2;  // Consecutive healthy probes before a member returns to the rotation.
  int fall = 2;  // Consecutive lagging probes before it leaves (a failed one: at once).
  bool operator==(const PoolConfig&) const = default;
};

struct ExporterConfig {
  std::string source;  // The file it was loaded from.
  WebConfig web;
  ScrapeConfig scrape;
  ClusterConfig cluster;
  PoolConfig pool;
  std::vector<std::string> query_files;  // Glob patterns, already joined to the config's directory.
  std::string query_files_where;         // "file:line" of [queries] files, for catalog errors.
  std::vector<std::string> warnings;     // Accepted but discouraged settings, for the log.
};

// What is checked beyond the text itself.
struct ConfigChecks {
  // What a start refuses that the text alone does not show, reported with
  // the text's own problems: the password can be had (the file exists and is
  // not empty, the variable is set, the helper is an executable) and the
  // cluster has no master election (failover = "automatic").
  bool for_start = false;
};

// Loads and validates a config file; every problem in it is reported at once,
// each as "file:line: [section] key: message".
StatusOr<ExporterConfig> LoadExporterConfig(const std::string& path, ConfigChecks checks = {});

// Same for text already in memory; relative paths resolve against `base_dir`.
StatusOr<ExporterConfig> ParseExporterConfig(std::string_view text, const std::string& name,
                                             const std::string& base_dir, ConfigChecks checks = {});

}  // namespace rse
