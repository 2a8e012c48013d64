#include "db/postgres/postgres_session.h"

#include <algorithm>
#include <vector>

#include "base/tls_mode.h"

namespace rse::postgres {
namespace {

std::string Quote(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

std::string Trimmed(std::string message) {
  while (!message.empty() && message.back() == '\n') message.pop_back();
  return message;
}

// SQLSTATE classes 08 (connection exception) and 57P (operator intervention:
// shutdown, crash) mean the server or the session is gone, not the query.
bool IsConnectionState(const std::string& state) {
  return state.rfind("08", 0) == 0 || state.rfind("57P", 0) == 0;
}

// Nothing listens there, or the server is starting or stopping: the cheapest
// failure to retry, and the one a restarting replica gives until it is back.
bool IsRefusal(const std::string& message) {
  return message.find("Connection refused") != std::string::npos ||
         message.find("the database system is starting up") != std::string::npos ||
         message.find("the database system is shutting down") != std::string::npos ||
         message.find("the database system is in recovery mode") != std::string::npos;
}

}  // namespace

std::string ConnectionString(const ConnectParams& params, int connect_timeout_seconds) {
  std::string s = "host=" + Quote(params.host) + " port=" + std::to_string(params.port) +
                  " dbname=" + Quote(params.database) + " user=" + Quote(params.user) +
                  " connect_timeout=" + std::to_string(connect_timeout_seconds) +
                  " application_name=" + Quote(kApplicationName) +
                  " sslmode=" + TlsModeName(params.tls_mode) +
                  " keepalives=1 keepalives_idle=10 keepalives_interval=5 keepalives_count=3";
  // PgBouncer refuses the startup parameter "options" ("unsupported startup
  // parameter"): behind it the guards go into the session or every transaction.
  if (params.pooler == Pooler::kNone) {
    s += " options=" +
         Quote("-c lock_timeout=" + std::to_string(params.lock_timeout.count()) +
               " -c idle_in_transaction_session_timeout=" +
               std::to_string(params.idle_in_transaction_timeout.count()) +
               " -c statement_timeout=" + std::to_string(params.statement_timeout.count()) +
               // A "COMMIT; ..." inside the SQL must not escape into a writable transaction.
               " -c default_transaction_read_only=on -c TimeZone=UTC");
  }
  if (!params.password.empty()) s += " password=" + Quote(params.password);
  if (!params.tls_ca_file.empty()) s += " sslrootcert=" + Quote(params.tls_ca_file);
  if (!params.tls_cert_file.empty()) s += " sslcert=" + Quote(params.tls_cert_file);
  if (!params.tls_key_file.empty()) s += " sslkey=" + Quote(params.tls_key_file);
  return s;
}

std::vector<std::string> TransactionGuards(const ConnectParams& params) {
  if (params.pooler != Pooler::kTransaction && params.pooler != Pooler::kStatement) return {};
  return {"SET LOCAL lock_timeout = " + std::to_string(params.lock_timeout.count()),
          "SET LOCAL idle_in_transaction_session_timeout = " +
              std::to_string(params.idle_in_transaction_timeout.count()),
          "SET LOCAL TimeZone = 'UTC'"};
}

StatusOr<std::unique_ptr<pqxx::connection>> OpenSession(const ConnectParams& params,
                                                        std::chrono::milliseconds budget) {
  const std::string where = "postgres " + params.host + ":" + std::to_string(params.port);
  // libpq counts whole seconds and waits at least 2.
  int seconds = std::max<int>(2, static_cast<int>((budget.count() + 999) / 1000));
  try {
    auto conn = std::make_unique<pqxx::connection>(ConnectionString(params, seconds));
    std::vector<std::string> setup;
    if (params.pooler == Pooler::kSession) {
      // One server session for ours: the guards hold for the session, as the
      // startup options would have made them.
      setup = {"SET lock_timeout = " + std::to_string(params.lock_timeout.count()),
               "SET idle_in_transaction_session_timeout = " +
                   std::to_string(params.idle_in_transaction_timeout.count()),
               "SET statement_timeout = " + std::to_string(params.statement_timeout.count()),
               "SET default_transaction_read_only = on", "SET TimeZone = 'UTC'"};
    }
    setup.insert(setup.end(), params.session_sql.begin(), params.session_sql.end());
    for (const std::string& sql : setup) {
      pqxx::nontransaction tx(*conn);
      tx.exec(sql);
    }
    return conn;
  } catch (const pqxx::sql_error& e) {
    return Status::Unavailable(where + ": session setup failed: " + Trimmed(e.what()));
  } catch (const std::exception& e) {
    std::string message = Trimmed(e.what());
    if (message.find("unsupported startup parameter") != std::string::npos) {
      message += " (this looks like PgBouncer, which refuses the guards sent at startup: set "
                 "[cluster] pooler to its pool_mode)";
    }
    if (IsRefusal(message)) return Status::Refused(where + ": cannot connect: " + message);
    return Status::Unavailable(where + ": cannot connect: " + message);
  }
}

std::string StatementModeAdvice(pqxx::connection& conn) {
  constexpr const char* kAdvice =
      "behind PgBouncer in statement mode only the role's defaults guard a statement beyond its "
      "own message: ALTER ROLE <exporter role> SET default_transaction_read_only = on";
  try {
    pqxx::nontransaction tx(conn);
    pqxx::result r = tx.exec("SHOW default_transaction_read_only");
    if (r.size() == 1 && std::string(r[0][0].c_str()) == "on") return {};
    return std::string("default_transaction_read_only is off for this role; ") + kAdvice;
  } catch (const std::exception& e) {
    return "default_transaction_read_only could not be read (" + Trimmed(e.what()) + "); " +
           kAdvice;
  }
}

Status FromSqlError(const pqxx::sql_error& e, bool* connection_lost) {
  const std::string state = e.sqlstate();
  const std::string message = Trimmed(e.what());
  *connection_lost = IsConnectionState(state);
  if (*connection_lost)
    return Status::Unavailable("postgres: " + message + " [SQLSTATE " + state + "]");
  if (state == "57014")
    return Status::DeadlineExceeded("postgres: statement stopped at its deadline");
  // On a hot standby (serializable is refused there) 40001 is a recovery
  // conflict: replay needed what the statement read.
  if (state == "40001") return Status::Aborted("postgres: " + message + " [SQLSTATE 40001]");
  if (state == kNotAReplicaState) {
    return Status::FailedPrecondition(
        "postgres: the server this session reached is not a replica (not in recovery); the "
        "query did not run");
  }
  if (state == "25006")
    return Status::InvalidArgument(
        "postgres: the query tried to write; queries run read-only [SQLSTATE 25006]");
  if (message.find("transaction blocks not allowed in statement pooling mode") !=
      std::string::npos) {
    *connection_lost = true;
    return Status::Unavailable("postgres: " + message +
                               " (PgBouncer runs in statement mode: set [cluster] pooler = "
                               "\"pgbouncer-statement\")");
  }
  if (state.empty()) return Status::InvalidArgument("postgres: " + message);
  return Status::InvalidArgument("postgres: " + message + " [SQLSTATE " + state + "]");
}

}  // namespace rse::postgres
