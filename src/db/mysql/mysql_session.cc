#include "db/mysql/mysql_session.h"

#include <arpa/inet.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>

#include "db/mysql/own_socket.h"

namespace rse::mysql {
namespace {

// Connector/C++ error numbers (client 2xxx, server 1xxx) that mean the
// session or server is gone rather than the statement being wrong.
bool IsConnectionError(int code) {
  switch (code) {
    case 2002:
    case 2003:
    case 2005:
    case 2006:
    case 2013:
    case 2026:
    case 2055:  // client: can't connect, gone, lost, TLS
    case 1040:
    case 1045:
    case 1053:
    case 1152:
    case 1153:
    case 1927:
    case 4031:  // server: too many, denied, shutdown, killed
      return true;
    default: return false;
  }
}

// Connector/C++ 1.1 exposes no socket. The server reports our end as
// "address:port"; the descriptor of this process whose local port is that
// port and whose peer port is the server's is this session's socket.
int FindTcpSocket(const std::string& client_host, int server_port) {
  const size_t colon = client_host.rfind(':');
  if (colon == std::string::npos) return -1;
  int client_port = 0;
  const char* begin = client_host.data() + colon + 1;
  const char* end = client_host.data() + client_host.size();
  if (std::from_chars(begin, end, client_port).ptr != end || client_port <= 0) return -1;
  auto port_of = [](const sockaddr_storage& a) {
    if (a.ss_family == AF_INET)
      return static_cast<int>(ntohs(reinterpret_cast<const sockaddr_in&>(a).sin_port));
    if (a.ss_family == AF_INET6)
      return static_cast<int>(ntohs(reinterpret_cast<const sockaddr_in6&>(a).sin6_port));
    return -1;
  };
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
    int fd = -1;
    const std::string name = entry.path().filename().string();
    if (std::from_chars(name.data(), name.data() + name.size(), fd).ec != std::errc()) continue;
    sockaddr_storage local{}, peer{};
    socklen_t local_len = sizeof local, peer_len = sizeof peer;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0) continue;
    if (port_of(local) != client_port) continue;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0) continue;
    if (port_of(peer) == server_port) return fd;
  }
  return -1;
}

std::string Trimmed(std::string message) {
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  return message;
}

}  // namespace

void EnsureThreadInit(sql::mysql::MySQL_Driver* driver) {
  struct ThreadGuard {
    explicit ThreadGuard(sql::mysql::MySQL_Driver* d) : driver(d) { driver->threadInit(); }
    ~ThreadGuard() { driver->threadEnd(); }
    sql::mysql::MySQL_Driver* driver;
  };
  thread_local ThreadGuard guard(driver);
}

Status FromSqlException(const sql::SQLException& e, bool* connection_lost) {
  const int code = e.getErrorCode();
  std::string detail =
      Trimmed(e.what()) + " [errno " + std::to_string(code) + ", SQLSTATE " + e.getSQLState() + "]";
  *connection_lost = IsConnectionError(code);
  if (*connection_lost) return Status::Unavailable("mysql: " + detail);
  if (code == 1969 || code == 3024 || code == 1317 || code == 1028) {
    return Status::DeadlineExceeded("mysql: statement stopped at its deadline");
  }
  if (code == 1792 || code == 1290 || code == 1836) {
    return Status::InvalidArgument(
        "mysql: the query tried to write; queries run read-only [errno " + std::to_string(code) +
        "]");
  }
  return Status::InvalidArgument("mysql: " + detail);
}

namespace {

// The connector's options for a session to `params` within `budget`.
sql::ConnectOptionsMap ConnectOptions(const ConnectParams& params,
                                      std::chrono::milliseconds budget) {
  sql::ConnectOptionsMap options;
  options["hostName"] = sql::SQLString(params.host);
  options["port"] = params.port;
  options["userName"] = sql::SQLString(params.user);
  options["password"] = sql::SQLString(params.password);
  options["schema"] = sql::SQLString(params.database);
  options["OPT_CONNECT_TIMEOUT"] = std::max(1, static_cast<int>((budget.count() + 999) / 1000));
  options["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
  options["OPT_RECONNECT"] = false;
  // Several statements in one message: a batch costs one round trip (see
  // MysqlConnection::StreamBatch). Connector/C++ 1.1 sends the flag only when
  // asked, and refuses nothing it is asked for here.
  options["CLIENT_MULTI_STATEMENTS"] = true;
  options["OPT_CONNECT_ATTR_ADD"] =
      std::map<sql::SQLString, sql::SQLString>{{"program_name", kApplicationName}};
  if (params.tls_mode != TlsMode::kDisable) {
    // The connector offers TLS only when asked; sslEnforce alone still falls
    // back to plain text, so "require" is verified after the handshake.
    options["sslEnforce"] = true;
    if (!params.tls_ca_file.empty()) options["sslCA"] = sql::SQLString(params.tls_ca_file);
    if (!params.tls_cert_file.empty()) options["sslCert"] = sql::SQLString(params.tls_cert_file);
    if (!params.tls_key_file.empty()) options["sslKey"] = sql::SQLString(params.tls_key_file);
    if (params.tls_mode >= TlsMode::kVerifyCa) options["sslVerify"] = true;
  }
  return options;
}

// The exporter's settings on every session: UTC, its lock wait (and on
// MariaDB its idle-in-transaction) limits.
std::string SessionGuards(const ConnectParams& params, bool mariadb) {
  std::string guards = "SET SESSION time_zone = '+00:00', lock_wait_timeout = " +
                       std::to_string(std::max<int64_t>(1, params.lock_timeout.count() / 1000));
  if (mariadb) {
    guards += ", idle_transaction_timeout = " +
              std::to_string(params.idle_in_transaction_timeout.count() / 1000);
  }
  return guards;
}

// A failed connect, `took` after it began: Refused when nothing listens (or
// the server shuts down), else Unavailable.
Status ConnectError(const std::string& where, const sql::SQLException& e,
                    std::chrono::steady_clock::duration took) {
  std::string message = where + ": cannot connect: " + Trimmed(e.what()) + " [errno " +
                        std::to_string(e.getErrorCode()) + "]";
  // "Can't connect" (2002/2003) at once: nothing listens (libmariadb reports
  // ECONNREFUSED as 111, or as 115 from its non-blocking connect); a silent
  // host would have taken the connect timeout. 1053: the server shuts down.
  const bool at_once = took < std::chrono::milliseconds(200);
  const bool refused = ((e.getErrorCode() == 2002 || e.getErrorCode() == 2003) &&
                        (message.find("(111)") != std::string::npos || at_once)) ||
                       e.getErrorCode() == 1053;
  return refused ? Status::Refused(std::move(message)) : Status::Unavailable(std::move(message));
}

}  // namespace

StatusOr<std::unique_ptr<sql::Connection>> OpenSession(sql::mysql::MySQL_Driver* driver,
                                                       const ConnectParams& params,
                                                       std::chrono::milliseconds budget,
                                                       ServerInfo* info) {
  EnsureThreadInit(driver);
  const std::string where = "mysql " + params.host + ":" + std::to_string(params.port);
  sql::ConnectOptionsMap options = ConnectOptions(params, budget);
  const auto began = std::chrono::steady_clock::now();
  try {
    std::unique_ptr<sql::Connection> session;
    int own_socket = -1;
    {
      SocketWatch watch(params.host, params.port);
      session.reset(driver->connect(options));
      own_socket = watch.Finish();
    }
    // The connector bounds the TCP connect and the handshake, not the setup
    // statements after it: each step must find time left, or a server (or a
    // network) that answers slowly would hold the scrape for several budgets.
    auto too_slow = [&](const char* step) -> std::optional<Status> {
      if (std::chrono::steady_clock::now() - began <= budget) return std::nullopt;
      return Status::Unavailable(where + ": cannot connect: " + step +
                                 " took the session past connect_timeout");
    };
    if (auto slow = too_slow("the handshake")) return *slow;
    std::unique_ptr<sql::Statement> stmt(session->createStatement());
    {
      std::unique_ptr<sql::ResultSet> rs(
          stmt->executeQuery("SELECT VERSION(), CONNECTION_ID(), (SELECT VARIABLE_VALUE FROM "
                             "information_schema.SESSION_STATUS "
                             "WHERE VARIABLE_NAME = 'Ssl_cipher'), (SELECT HOST FROM "
                             "information_schema.PROCESSLIST WHERE ID = CONNECTION_ID())"));
      rs->next();
      info->mariadb = std::string(rs->getString(1)).find("MariaDB") != std::string::npos;
      info->connection_id = rs->getInt64(2);
      // The server's view of our address is exact when nothing sits in
      // between; behind a proxy, the socket our connect opened is.
      info->socket_fd = FindTcpSocket(std::string(rs->getString(4)), params.port);
      if (info->socket_fd < 0) info->socket_fd = own_socket;
      if (params.tls_mode >= TlsMode::kRequire && std::string(rs->getString(3)).empty()) {
        return Status::Unavailable(
            where + ": TLS is required (tls_mode) but the server did not encrypt the session");
      }
    }
    if (auto slow = too_slow("reading the server's version")) return *slow;
    stmt->execute(SessionGuards(params, info->mariadb));
    if (auto slow = too_slow("the session settings")) return *slow;
    // Every transaction of the session read-only, not only ours: DDL commits
    // implicitly, and would otherwise run in a fresh read-write transaction.
    stmt->execute("SET SESSION TRANSACTION READ ONLY");
    for (const std::string& sql : params.session_sql) stmt->execute(sql);
    return session;
  } catch (const sql::SQLException& e) {
    return ConnectError(where, e, std::chrono::steady_clock::now() - began);
  }
}

}  // namespace rse::mysql
