#include "db/postgres/postgres_connection.h"

#include <sys/socket.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "db/postgres/postgres_session.h"
#include "db/postgres/pqxx_compat.h"

namespace rse::postgres {
namespace {

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

// Lag is 0 when everything received is replayed. Not "=": after a standby
// restarts, its WAL receiver starts again at the beginning of the segment, so
// receive is *behind* replay until the primary next writes (on an idle primary,
// never), and there may be no replay timestamp at all. Only when WAL waits to
// be replayed is the age of the last replayed commit the lag.
constexpr const char* kProbeName = "replica_sql_exporter_probe";
constexpr const char* kProbeSql = R"(
SELECT pg_is_in_recovery(),
       CASE WHEN NOT pg_is_in_recovery() THEN NULL
            WHEN pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn() THEN 0
            ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END,
       CASE WHEN pg_is_in_recovery() THEN NOT pg_is_wal_replay_paused() ELSE false END,
       EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming'),
       EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()),
       concat_ws(':', host(inet_server_addr()), current_setting('port')))";

}  // namespace

PostgresConnection::PostgresConnection(std::unique_ptr<pqxx::connection> conn, Pooler pooler,
                                       bool replica_gate,
                                       std::vector<std::string> transaction_guards,
                                       const Clock* clock, CancelWatchdog* watchdog,
                                       SideTasks* cancels)
    : conn_(std::move(conn)),
      cancels_(cancels),
      guard_(
          "postgres", clock, watchdog, [this] { Cancel(); }, [this] { Abort(); }),
      pooler_(pooler),
      replica_gate_(replica_gate),
      transaction_guards_(std::move(transaction_guards)) {
  // Read here, on the thread that owns the session, not by Cancel() on the
  // watchdog's while a statement uses the libpq connection.
  const char* host = conn_->hostname();
  const char* port = conn_->port();
  server_ = std::string(host ? host : "") + ":" + (port ? port : "");
}

void PostgresConnection::Deliver(const pqxx::result& result, size_t max_rows, RowSink& sink) {
  // libpq holds the whole result (libpqxx 6.4 offers no single-row mode);
  // the sink gets views into it, so no row is copied before it is mapped.
  std::vector<Column> columns;
  for (pqxx::row_size_type c = 0; c < result.columns(); ++c)
    columns.push_back({result.column_name(c), KindOf(result.column_type(c))});
  sink.Begin(std::move(columns), std::min<size_t>(result.size(), max_rows));
  std::vector<CellView> cells;
  size_t delivered = 0;
  for (const pqxx::row& row : result) {
    if (delivered == max_rows) {
      sink.Truncated();
      break;
    }
    cells.clear();
    for (const pqxx::field& field : row)
      cells.push_back(field.is_null() ? CellView() : CellView({field.c_str(), field.size()}));
    ++delivered;
    if (!sink.Row(cells)) break;
  }
}

Status PostgresConnection::Stream(std::string_view sql, const Deadline& deadline,
                                  std::string_view name, size_t max_rows, RowSink& sink,
                                  const std::vector<SessionSetting>& settings) {
  auto done = Run<bool>(deadline, [&](pqxx::nontransaction& tx,
                                      std::chrono::milliseconds remaining) -> StatusOr<bool> {
    Deliver(ExecReadOnly(tx, sql, remaining, name, settings), max_rows, sink);
    return true;
  });
  return done.ok() ? Status::Ok() : done.status();
}

Status PostgresConnection::BeginSnapshot(const Deadline& deadline) {
  if (pooler_ == Pooler::kStatement) {
    return Status::InvalidArgument(
        "postgres: a consistent snapshot needs one transaction across several statements, and "
        "PgBouncer in statement mode closes a client whose transaction outlives one statement");
  }
  if (!guard_.Usable()) return Status::Unavailable("postgres: session was cancelled or broken");
  // Nothing sent yet: BEGIN goes with the first statement, in its round trip.
  snapshot_ = SnapshotState::kRequested;
  snapshot_deadline_ = deadline;
  return Status::Ok();
}

void PostgresConnection::EndSnapshot() {
  const bool begun = snapshot_ == SnapshotState::kBegun;
  snapshot_ = SnapshotState::kNone;
  if (!begun) return;
  auto ended = Run<bool>(snapshot_deadline_, [&](pqxx::nontransaction& tx,
                                                 std::chrono::milliseconds) -> StatusOr<bool> {
    tx.exec("ROLLBACK");
    return true;
  });
  // Left open, the next statement's BEGIN would fail: the session goes.
  if (!ended.ok()) guard_.MarkBroken();
}

StatusOr<ReplicaState> PostgresConnection::Probe(const Deadline& deadline) {
  return Run<ReplicaState>(deadline, [&](pqxx::nontransaction& tx,
                                          std::chrono::milliseconds remaining)
                                          -> StatusOr<ReplicaState> {
    pqxx::result result;
    if (pooler_ == Pooler::kTransaction || pooler_ == Pooler::kStatement) {
      // The server session is ours for one transaction: nothing prepared can
      // be relied on, and the limit is set inside the probe's own (implicit,
      // one-message) transaction.
      std::string text = "SET TRANSACTION READ ONLY; SET LOCAL statement_timeout = " +
                         std::to_string(std::max<int64_t>(1, remaining.count()));
      for (const std::string& guard : transaction_guards_) text += "; " + guard;
      result = tx.exec(text + ";" + kProbeSql);
    } else {
      // Our own fixed, read-only SQL: no transaction of ours around it, and
      // prepared once per session (planned once, not on every scrape): one
      // round trip. Bounded by the session's statement_timeout (the probe
      // timeout, see OpenSession) and the watchdog's cancel.
      auto exec = [&] {
        const std::string name = kProbeName + std::string("_") + std::to_string(probe_generation_);
        if (!probe_prepared_) {
          conn_->prepare(name, kProbeSql);
          probe_prepared_ = true;
        }
        return ExecPrepared(tx, name);
      };
      try {
        result = exec();
      } catch (const pqxx::sql_error& e) {
        // Something sent on this session dropped it (DEALLOCATE ALL; a pooler's
        // DISCARD ALL): defined again under a new name, since libpqxx still
        // believes the old one exists. Nothing was in a transaction.
        if (e.sqlstate() != "26000") throw;
        ++probe_generation_;
        probe_prepared_ = false;
        result = exec();
      }
    }
    if (result.size() != 1) return Status::Internal("postgres: the probe returned no row");
    const pqxx::row row = result[0];
    ReplicaState state;
    state.is_replica = row[0].as<bool>();
    state.applying = row[2].as<bool>();
    state.streaming = row[3].as<bool>();
    if (!row[1].is_null()) state.lag_seconds = std::max(0.0, row[1].as<double>());
    state.server = row[5].c_str();
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

void PostgresConnection::Cancel() {
  if (!guard_.RequestCancel()) return;
  // PQcancel connects to the server and waits for it to close: against a
  // stopped server, forever. So it runs as a side task holding the libpq
  // session alive; the watchdog and other scrapes never block on it, and
  // shutdown waits only briefly. The server-side timeout still applies. One
  // cancel at a time per server: a proxy that accepts and never answers
  // (a black hole) holds one thread and its sockets, not one per statement;
  // the abort at the deadline frees the session meanwhile.
  cancels_->Run(server_, [conn = conn_] {
    try {
      conn->cancel_query();
    } catch (const std::exception&) {
    }
  });
}

void PostgresConnection::Abort() {
  guard_.MarkBroken();
  // The blocked libpq read then returns at once ("server closed the connection").
  if (int fd = conn_->sock(); fd >= 0) ::shutdown(fd, SHUT_RDWR);
}

template <typename T>
StatusOr<T> PostgresConnection::Run(
    const Deadline& deadline,
    const std::function<StatusOr<T>(pqxx::nontransaction&, std::chrono::milliseconds)>& body) {
  return guard_.Run<T>(deadline, [&](std::chrono::milliseconds remaining) -> StatusOr<T> {
    // Constructed inside the try: libpqxx 6.4 reconnects a lost connection
    // when a transaction starts, and throws broken_connection from here.
    std::optional<pqxx::nontransaction> open;
    try {
      return body(open.emplace(*conn_), remaining);
    } catch (...) {
      return Failed(std::current_exception(), open ? &*open : nullptr);
    }
  });
}

Status PostgresConnection::Failed(std::exception_ptr error, pqxx::transaction_base* open) {
  try {
    std::rethrow_exception(error);
  } catch (const pqxx::statement_completion_unknown& e) {  // A transaction_rollback: first.
    guard_.MarkBroken();
    return Status::Unavailable(std::string("postgres: ") + e.what());
  } catch (const pqxx::transaction_rollback& e) {
    // 40001 (serialization_failure) and 40P01 (deadlock_detected): on a hot
    // standby both mean a recovery conflict; the session itself is fine.
    // Before sql_error: libpqxx 7 derives this from sql_error, 6.4 does not.
    std::string message = e.what();
    while (!message.empty() && message.back() == '\n') message.pop_back();
    if (open) RollbackAfterError(*open);
    return Status::Aborted("postgres: " + message);
  } catch (const pqxx::broken_connection& e) {
    guard_.MarkBroken();
    return Status::Unavailable(std::string("postgres: connection lost: ") + e.what());
  } catch (const pqxx::sql_error& e) {
    bool lost = false;
    Status status = FromSqlError(e, &lost);
    // A pipeline reports a lost connection as an error without SQLSTATE.
    if (!lost && e.sqlstate().empty() && !conn_->is_open()) {
      lost = true;
      status = Status::Unavailable(std::string("postgres: connection lost: ") + e.what());
    }
    // A session that reached a primary is not kept, whatever it could still do.
    if (lost || status.code() == Status::Code::kFailedPrecondition)
      guard_.MarkBroken();
    else if (open)
      RollbackAfterError(*open);
    return status;
  } catch (const std::exception& e) {
    guard_.MarkBroken();
    return Status::Unavailable(std::string("postgres: ") + e.what());
  }
}

}  // namespace rse::postgres
