#include "db_env.h"

#include <cppconn/exception.h>
#include <cppconn/resultset.h>
#include <cppconn/resultset_metadata.h>
#include <cppconn/statement.h>
#include <gtest/gtest.h>
#include <mysql_connection.h>
#include <mysql_driver.h>

#include <csignal>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <pqxx/pqxx>
#include <thread>

#include "db/mysql/mysql_backend.h"
#include "db/postgres/postgres_backend.h"

namespace rse::testing {

// As the exporter's main does: a write to a socket a server or proxy has
// closed (libpq over TLS, the tests' proxies) must fail, not kill the tests
// (seen once on Debian 13: DnsTest ended by SIGPIPE).
const bool kNoSigpipe = std::signal(SIGPIPE, SIG_IGN) != SIG_ERR;

namespace {

std::map<std::string, std::string> ReadEndpoints() {
  const char* dir = std::getenv("RSE_DB_DIR");
  std::string path = std::string(dir ? dir : "/var/lib/rse-testdb") + "/endpoints.env";
  std::map<std::string, std::string> values;
  std::ifstream in(path);
  if (!in) {
    ADD_FAILURE() << path << " not found: start the clusters with scripts/cluster/start_databases.sh";
    return values;
  }
  std::string line;
  while (std::getline(in, line)) {
    size_t eq = line.find('=');
    if (eq != std::string::npos) values[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return values;
}

const std::map<std::string, std::string>& Endpoints() {
  static const auto* values = new std::map<std::string, std::string>(ReadEndpoints());
  return *values;
}

HostPort Member(const std::string& key) {
  auto it = Endpoints().find(key);
  if (it == Endpoints().end()) return {"127.0.0.1", 1};
  auto parsed = ParseHostPort(it->second, false, false);
  return parsed.ok() ? *parsed : HostPort{"127.0.0.1", 1};
}

ClusterEnv MakeEnv(const std::string& name, Engine engine, const std::string& prefix) {
  ClusterEnv env;
  env.name = name;
  env.engine = engine;
  env.primary = Member(prefix + "_PRIMARY");
  env.replicas = {Member(prefix + "_REPLICA1"), Member(prefix + "_REPLICA2")};
  env.user = "exporter";
  auto value = [](const std::string& key) {
    auto it = Endpoints().find(key);
    return it == Endpoints().end() ? std::string() : it->second;
  };
  env.password = value("RSE_EXPORTER_PASSWORD");
  env.tls_ca = value("RSE_TLS_CA");
  env.tls_other_ca = value("RSE_TLS_OTHER_CA");
  return env;
}

std::vector<std::vector<std::string>> PostgresAdmin(const HostPort& member,
                                                    const std::string& sql,
                                                    const std::string& database) {
  pqxx::connection conn("host=" + member.host + " port=" + std::to_string(member.port) +
                        " user=postgres dbname=" + (database.empty() ? "shop" : database) +
                        " connect_timeout=5");
  pqxx::nontransaction tx(conn);
  pqxx::result result = tx.exec(sql);
  std::vector<std::vector<std::string>> rows;
  for (const auto& row : result) {
    auto& out = rows.emplace_back();
    for (const auto& field : row) out.push_back(field.is_null() ? "NULL" : field.c_str());
  }
  return rows;
}

std::vector<std::vector<std::string>> MariadbAdmin(const HostPort& member, const std::string& sql) {
  sql::mysql::MySQL_Driver* driver = sql::mysql::get_mysql_driver_instance();
  sql::ConnectOptionsMap options;
  options["hostName"] = sql::SQLString(member.host);
  options["port"] = member.port;
  options["userName"] = sql::SQLString(
      Endpoints().count("RSE_MY_ADMIN_USER") ? Endpoints().at("RSE_MY_ADMIN_USER") : "");
  options["password"] = sql::SQLString(
      Endpoints().count("RSE_MY_ADMIN_PASSWORD") ? Endpoints().at("RSE_MY_ADMIN_PASSWORD") : "");
  options["schema"] = sql::SQLString("shop");
  options["OPT_CONNECT_TIMEOUT"] = 5;
  std::unique_ptr<sql::Connection> conn(driver->connect(options));
  std::unique_ptr<sql::Statement> stmt(conn->createStatement());
  std::vector<std::vector<std::string>> rows;
  // The connector sends one statement at a time: run "a; b; c" in turn (the
  // tests' statements hold no ';' inside literals).
  std::string last = sql;
  for (size_t semicolon; (semicolon = last.find(';')) != std::string::npos;) {
    stmt->execute(last.substr(0, semicolon));
    last = last.substr(semicolon + 1);
  }
  if (!stmt->execute(last)) return rows;
  std::unique_ptr<sql::ResultSet> rs(stmt->getResultSet());
  unsigned int columns = rs->getMetaData()->getColumnCount();
  while (rs->next()) {
    auto& out = rows.emplace_back();
    for (unsigned int c = 1; c <= columns; ++c) {
      std::string value = rs->getString(c);
      out.push_back(rs->wasNull() ? "NULL" : value);
    }
  }
  return rows;
}

}  // namespace

ConnectParams ClusterEnv::Params(const HostPort& member) const {
  ConnectParams params;
  params.host = member.host;
  params.port = member.port;
  params.database = "shop";
  params.user = user;
  params.password = password;
  params.tls_mode = TlsMode::kDisable;
  return params;
}

ConnectParams ClusterEnv::AdminParams(const HostPort& member) const {
  ConnectParams params = Params(member);
  if (engine == Engine::kPostgres) {
    params.user = "postgres";
    params.password = "";
  } else {
    params.user = Endpoints().count("RSE_MY_ADMIN_USER") ? Endpoints().at("RSE_MY_ADMIN_USER") : "";
    params.password =
        Endpoints().count("RSE_MY_ADMIN_PASSWORD") ? Endpoints().at("RSE_MY_ADMIN_PASSWORD") : "";
  }
  return params;
}

std::unique_ptr<Backend> ClusterEnv::MakeBackend() const {
  return engine == Engine::kPostgres ? MakePostgresBackend(DefaultClock())
                                     : MakeMysqlBackend(DefaultClock());
}

ClusterConfig ClusterEnv::Cluster(const std::vector<HostPort>& members) const {
  ClusterConfig cluster;
  cluster.name = "shop";
  cluster.engine = engine;
  cluster.database = "shop";
  cluster.user = user;
  cluster.password = {PasswordSource::Kind::kInline, "", "", password, {}};
  cluster.replicas = members;
  cluster.tls_mode = TlsMode::kDisable;
  return cluster;
}

HostPort GaleraMember() { return Member("RSE_GALERA"); }

std::string PostgresLogPath(const std::string& name) {
  const char* dir = std::getenv("RSE_DB_DIR");
  return std::string(dir ? dir : "/var/lib/rse-testdb") + "/postgres/" + name + ".log";
}

const ClusterEnv& PostgresEnv() {
  static const ClusterEnv env = MakeEnv("postgres", Engine::kPostgres, "RSE_PG");
  return env;
}

const ClusterEnv& MariadbEnv() {
  static const ClusterEnv env = MakeEnv("mariadb", Engine::kMysql, "RSE_MY");
  return env;
}

std::vector<const ClusterEnv*> AllEnvs() { return {&PostgresEnv(), &MariadbEnv()}; }

std::vector<std::vector<std::string>> AdminQuery(const ClusterEnv& env, const HostPort& member,
                                                 const std::string& sql,
                                                 const std::string& database) {
  try {
    return env.engine == Engine::kPostgres ? PostgresAdmin(member, sql, database)
                                           : MariadbAdmin(member, sql);
  } catch (const std::exception& e) {
    ADD_FAILURE() << env.name << " admin query on " << member.ToString() << " failed: " << e.what()
                  << "\n"
                  << sql;
    return {};
  }
}

void AdminExec(const ClusterEnv& env, const HostPort& member, const std::string& sql,
               const std::string& database) {
  AdminQuery(env, member, sql, database);
}

bool Eventually(const std::function<bool()>& condition, std::chrono::milliseconds ceiling) {
  const auto until = std::chrono::steady_clock::now() + ceiling;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

StatusOr<ReplicaState> ProbeMember(const ClusterEnv& env, const HostPort& member) {
  auto backend = env.MakeBackend();
  auto conn = backend->Connect(env.Params(member),
                               Deadline::After(*DefaultClock(), std::chrono::seconds(5)));
  if (!conn.ok()) return conn.status();
  return (*conn)->Probe(Deadline::After(*DefaultClock(), std::chrono::seconds(5)));
}

void WaitReplicasCaughtUp(const ClusterEnv& env) {
  const std::string token =
      std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
  const std::string table =
      env.engine == Engine::kPostgres ? "rse_test_marker" : "rse_sync.test_marker";
  AdminExec(env, env.primary,
            "CREATE TABLE IF NOT EXISTS " + table + " (id int PRIMARY KEY, token varchar(64))");
  AdminExec(env, env.primary, "DELETE FROM " + table);
  AdminExec(env, env.primary, "INSERT INTO " + table + " VALUES (1, '" + token + "')");
  for (const HostPort& replica : env.replicas) {
    bool seen = Eventually([&] {
      auto rows = AdminQuery(env, replica, "SELECT token FROM " + table);
      return !rows.empty() && rows[0][0] == token;
    });
    ASSERT_TRUE(seen) << env.name << " replica " << replica.ToString()
                      << " did not catch up in 30 s";
  }
}

namespace {
void RunMemberScript(const ClusterEnv& env, const std::string& action, const std::string& name) {
  std::string command = std::string(RSE_SOURCE_DIR) + "/scripts/cluster/member.sh " + action + " " +
                        (env.engine == Engine::kPostgres ? "postgres " : "mariadb ") + name;
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
}
}  // namespace

void StopMember(const ClusterEnv& env, const std::string& name) {
  RunMemberScript(env, "stop", name);
}

void StartMember(const ClusterEnv& env, const std::string& name) {
  RunMemberScript(env, "start", name);
}

void RestartMember(const ClusterEnv& env, const std::string& name) {
  RunMemberScript(env, "restart", name);
}

void KillMember(const ClusterEnv& env, const std::string& name) {
  RunMemberScript(env, "kill", name);
}

void PauseMember(const ClusterEnv& env, const std::string& name) {
  RunMemberScript(env, "pause", name);
}

void ResumeMember(const ClusterEnv& env, const std::string& name) {
  RunMemberScript(env, "resume", name);
}

void RepairCluster(const ClusterEnv& env) {
  std::string command = std::string(RSE_SOURCE_DIR) + "/scripts/cluster/start_databases.sh " +
                        (env.engine == Engine::kPostgres ? "postgres" : "mariadb") +
                        " >/dev/null 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0)
      << "repairing the " << env.name << " cluster failed: " << command;
}

}  // namespace rse::testing
