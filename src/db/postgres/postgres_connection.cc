#include <algorithm>
#include <pqxx/pqxx>

#include "db/cancel_watchdog.h"
#include "db/postgres/postgres_backend.h"
#include "db/session_guard.h"

namespace rse {
namespace {

// How long after the deadline the active cancel fires: the server-side
// statement_timeout normally stops the statement first, keeping the session.
constexpr std::chrono::milliseconds kCancelGrace{100};

ColumnKind KindOf(pqxx::oid type) {
  switch (type) {
    case 20:
    case 21:
    case 23:
    case 26: return ColumnKind::kInteger;    // int8 int2 int4 oid
    case 1700: return ColumnKind::kDecimal;  // numeric
    case 700:
    case 701: return ColumnKind::kFloat;   // float4 float8
    case 16: return ColumnKind::kBoolean;  // bool
    case 1082:
    case 1114:
    case 1184: return ColumnKind::kTimestamp;  // date timestamp timestamptz
    case 25:
    case 1043:
    case 1042:
    case 19: return ColumnKind::kText;  // text varchar bpchar name
    default: return ColumnKind::kOther;
  }
}

std::string Quote(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

// SQLSTATE classes 08 (connection exception) and 57P (operator intervention:
// shutdown, crash) mean the server or the session is gone, not the query.
bool IsConnectionState(const std::string& state) {
  return state.rfind("08", 0) == 0 || state.rfind("57P", 0) == 0;
}

constexpr const char* kProbeSql = R"(
SELECT pg_is_in_recovery(),
       CASE WHEN NOT pg_is_in_recovery() THEN NULL
            WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
            ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END,
       CASE WHEN pg_is_in_recovery() THEN NOT pg_is_wal_replay_paused() ELSE false END,
       EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming'),
       EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()))";

class PostgresConnection final : public Connection {
 public:
  PostgresConnection(std::unique_ptr<pqxx::connection> conn, CancelWatchdog* watchdog)
      : conn_(std::move(conn)), watchdog_(watchdog) {}

  StatusOr<RowSet> Query(std::string_view sql, const Deadline& deadline) override {
    return Run<RowSet>(deadline, [&](pqxx::transaction_base& tx) -> StatusOr<RowSet> {
      pqxx::result result = tx.exec(std::string(sql));
      RowSet rows;
      for (pqxx::row_size_type c = 0; c < result.columns(); ++c) {
        rows.columns.push_back({result.column_name(c), KindOf(result.column_type(c))});
      }
      rows.rows.reserve(result.size());
      for (const pqxx::row& row : result) {
        std::vector<Cell>& cells = rows.rows.emplace_back();
        cells.reserve(row.size());
        for (const pqxx::field& field : row) {
          cells.push_back(field.is_null() ? Cell()
                                          : Cell(std::string(field.c_str(), field.size())));
        }
      }
      return rows;
    });
  }

  StatusOr<ReplicaState> Probe(const Deadline& deadline) override {
    return Run<ReplicaState>(deadline, [&](pqxx::transaction_base& tx) -> StatusOr<ReplicaState> {
      pqxx::row row = tx.exec1(kProbeSql);
      ReplicaState state;
      state.is_replica = row[0].as<bool>();
      state.applying = row[2].as<bool>();
      state.streaming = row[3].as<bool>();
      if (!row[1].is_null()) state.lag_seconds = std::max(0.0, row[1].as<double>());
      // With the stream down nothing new arrives, so "caught up" says nothing;
      // the age of the last replayed commit bounds how old the data is.
      if (state.is_replica && !state.streaming) {
        state.lag_seconds = row[4].is_null()
                                ? std::nullopt
                                : std::optional<double>(std::max(0.0, row[4].as<double>()));
      }
      return state;
    });
  }

  void Cancel() override {
    if (!guard_.RequestCancel()) return;
    try {
      conn_->cancel_query();
    } catch (const std::exception&) {
      // The session is discarded anyway; the server-side timeout still applies.
    }
  }

  bool Usable() const override { return guard_.Usable(); }

 private:
  // Runs `body` in a read-only transaction bounded by `deadline` on the
  // server (statement_timeout) and here (the watchdog's cancel).
  template <typename T>
  StatusOr<T> Run(const Deadline& deadline,
                  const std::function<StatusOr<T>(pqxx::transaction_base&)>& body) {
    if (Status begun = guard_.BeginStatement(deadline, "postgres"); !begun.ok()) return begun;
    const auto remaining = deadline.Remaining(*DefaultClock());
    CancelWatchdog::Guard guard =
        watchdog_->Watch(deadline.at() + kCancelGrace, [this] { Cancel(); });
    StatusOr<T> result = Status::Internal("unreached");
    try {
      pqxx::read_transaction tx(*conn_);
      tx.exec0("SET LOCAL statement_timeout = " + std::to_string(remaining.count()));
      result = body(tx);
      tx.commit();
    } catch (const pqxx::broken_connection& e) {
      MarkBroken();
      result = Status::Unavailable(std::string("postgres: connection lost: ") + e.what());
    } catch (const pqxx::sql_error& e) {
      result = FromSqlError(e);
    } catch (const std::exception& e) {
      MarkBroken();
      result = Status::Unavailable(std::string("postgres: ") + e.what());
    }
    guard_.EndStatement();
    return result;
  }

  Status FromSqlError(const pqxx::sql_error& e) {
    const std::string state = e.sqlstate();
    std::string message = e.what();
    while (!message.empty() && message.back() == '\n') message.pop_back();
    if (state == "57014")
      return Status::DeadlineExceeded("postgres: statement stopped at its deadline");
    if (IsConnectionState(state)) {
      MarkBroken();
      return Status::Unavailable("postgres: " + message + " [SQLSTATE " + state + "]");
    }
    if (state == "25006")
      return Status::InvalidArgument(
          "postgres: the query tried to write; queries run read-only [SQLSTATE 25006]");
    return Status::InvalidArgument("postgres: " + message + " [SQLSTATE " + state + "]");
  }

  void MarkBroken() { guard_.MarkBroken(); }

  const std::unique_ptr<pqxx::connection> conn_;
  CancelWatchdog* const watchdog_;
  SessionGuard guard_;
};

class PostgresBackend final : public Backend {
 public:
  StatusOr<std::unique_ptr<Connection>> Connect(const ConnectParams& params,
                                                const Deadline& deadline) override {
    const std::string where = "postgres " + params.host + ":" + std::to_string(params.port);
    auto budget = std::min(params.connect_timeout, deadline.Remaining(*DefaultClock()));
    if (budget.count() <= 0) return Status::DeadlineExceeded(where + ": no time left to connect");
    // libpq counts whole seconds and waits at least 2.
    int seconds = std::max<int>(2, static_cast<int>((budget.count() + 999) / 1000));
    try {
      auto conn = std::make_unique<pqxx::connection>(PostgresConnectionString(params, seconds));
      // sslmode=require and stronger make libpq itself refuse a plain-text session.
      for (const std::string& sql : params.session_sql) {
        pqxx::nontransaction tx(*conn);
        tx.exec0(sql);
      }
      return std::unique_ptr<Connection>(
          std::make_unique<PostgresConnection>(std::move(conn), &watchdog_));
    } catch (const pqxx::sql_error& e) {
      return Status::Unavailable(where + ": session_sql failed: " + e.what());
    } catch (const std::exception& e) {
      std::string message = e.what();
      while (!message.empty() && message.back() == '\n') message.pop_back();
      return Status::Unavailable(where + ": cannot connect: " + message);
    }
  }

 private:
  CancelWatchdog watchdog_;
};

}  // namespace

std::string PostgresConnectionString(const ConnectParams& params, int connect_timeout_seconds) {
  std::string s =
      "host=" + Quote(params.host) + " port=" + std::to_string(params.port) +
      " dbname=" + Quote(params.database) + " user=" + Quote(params.user) +
      " connect_timeout=" + std::to_string(connect_timeout_seconds) +
      " application_name=" + Quote(kApplicationName) + " sslmode=" + TlsModeName(params.tls_mode) +
      " keepalives=1 keepalives_idle=10 keepalives_interval=5 keepalives_count=3" + " options=" +
      Quote("-c lock_timeout=" + std::to_string(params.lock_timeout.count()) +
            " -c idle_in_transaction_session_timeout=" +
            std::to_string(params.idle_in_transaction_timeout.count()) +
            // A "COMMIT; ..." inside the SQL must not escape into a writable transaction.
            " -c default_transaction_read_only=on -c TimeZone=UTC");
  if (!params.password.empty()) s += " password=" + Quote(params.password);
  if (!params.tls_ca_file.empty()) s += " sslrootcert=" + Quote(params.tls_ca_file);
  if (!params.tls_cert_file.empty()) s += " sslcert=" + Quote(params.tls_cert_file);
  if (!params.tls_key_file.empty()) s += " sslkey=" + Quote(params.tls_key_file);
  return s;
}

std::unique_ptr<Backend> MakePostgresBackend() { return std::make_unique<PostgresBackend>(); }

}  // namespace rse
