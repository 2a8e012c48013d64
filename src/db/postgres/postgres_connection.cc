#include "db/postgres/postgres_connection.h"

#include <sys/socket.h>

#include <algorithm>
#include <optional>

#include "db/postgres/postgres_session.h"
#include "db/query_tag.h"

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
constexpr const char* kProbeSql = R"(
SELECT pg_is_in_recovery(),
       CASE WHEN NOT pg_is_in_recovery() THEN NULL
            WHEN pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn() THEN 0
            ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END,
       CASE WHEN pg_is_in_recovery() THEN NOT pg_is_wal_replay_paused() ELSE false END,
       EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming'),
       EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()))";

}  // namespace

PostgresConnection::PostgresConnection(std::unique_ptr<pqxx::connection> conn, const Clock* clock,
                                       CancelWatchdog* watchdog, SideTasks* cancels)
    : conn_(std::move(conn)),
      cancels_(cancels),
      guard_(
          "postgres", clock, watchdog, [this] { Cancel(); }, [this] { Abort(); }) {}

Status PostgresConnection::Stream(std::string_view sql, const Deadline& deadline,
                                  std::string_view name, size_t max_rows, RowSink& sink) {
  auto done = Run<bool>(deadline, name, [&](pqxx::transaction_base& tx,
                                            const std::string& begin) -> StatusOr<bool> {
    // libpq holds the whole result (libpqxx 6.4 offers no single-row mode);
    // the sink gets views into it, so no row is copied before it is mapped.
    // Of the statements in one string, libpq returns the last one's result.
    pqxx::result result = tx.exec(begin + std::string(sql));
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
    return true;
  });
  return done.ok() ? Status::Ok() : done.status();
}

StatusOr<ReplicaState> PostgresConnection::Probe(const Deadline& deadline) {
  return Run<ReplicaState>(deadline, "", [&](pqxx::transaction_base& tx,
                                              const std::string& begin) -> StatusOr<ReplicaState> {
    pqxx::row row = tx.exec1(begin + kProbeSql);
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

void PostgresConnection::Cancel() {
  if (!guard_.RequestCancel()) return;
  // PQcancel connects to the server and waits for it to close: against a
  // stopped server, forever. So it runs as a side task holding the libpq
  // session alive; the watchdog and other scrapes never block on it, and
  // shutdown waits only briefly. The server-side timeout still applies.
  cancels_->Run([conn = conn_] {
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
    const Deadline& deadline, std::string_view name,
    const std::function<StatusOr<T>(pqxx::transaction_base&, const std::string&)>& body) {
  return guard_.Run<T>(deadline, [&](std::chrono::milliseconds remaining) -> StatusOr<T> {
    // Our own BEGIN and ROLLBACK around the statement (not pqxx's
    // read_transaction, which sends BEGIN alone): BEGIN, the limits and the
    // statement go in one string, one round trip. Read-only either way: the
    // session has default_transaction_read_only = on.
    // Constructed inside the try: libpqxx 6.4 reconnects a lost connection
    // when a transaction starts, and throws broken_connection from here.
    std::optional<pqxx::nontransaction> open;
    try {
      pqxx::nontransaction& tx = open.emplace(*conn_);
      std::string begin =
          "BEGIN READ ONLY; SET LOCAL statement_timeout = " + std::to_string(remaining.count());
      // Until the transaction ends, pg_stat_activity shows which query this is.
      if (!name.empty()) {
        // esc() and our own quotes rather than quote(): GCC 12 warns about
        // pqxx's quote() inlined here (-Wrestrict false positive, GCC bug 105329).
        begin += "; SET LOCAL application_name = '";
        begin += tx.esc(QueryApplicationName(name));
        begin += '\'';
      }
      begin += ";\n";
      StatusOr<T> result = body(tx, begin);
      // Rolled back, never committed: a read-only transaction has nothing to
      // keep, and a ROLLBACK also undoes any SET or set_config() the query made,
      // so no query can change the session under the next one.
      tx.exec0("ROLLBACK");
      return result;
    } catch (const pqxx::broken_connection& e) {
      guard_.MarkBroken();
      return Status::Unavailable(std::string("postgres: connection lost: ") + e.what());
    } catch (const pqxx::sql_error& e) {
      bool lost = false;
      Status status = FromSqlError(e, &lost);
      if (lost)
        guard_.MarkBroken();
      else if (open)
        RollbackAfterError(*open);
      return status;
    } catch (const pqxx::statement_completion_unknown& e) {
      guard_.MarkBroken();
      return Status::Unavailable(std::string("postgres: ") + e.what());
    } catch (const pqxx::transaction_rollback& e) {
      // libpqxx 6.4 throws 40001 (serialization_failure) and 40P01
      // (deadlock_detected) as transaction_rollback, not as sql_error. On a hot
      // standby both mean a recovery conflict; the session itself is fine.
      std::string message = e.what();
      while (!message.empty() && message.back() == '\n') message.pop_back();
      if (open) RollbackAfterError(*open);
      return Status::Aborted("postgres: " + message);
    } catch (const std::exception& e) {
      guard_.MarkBroken();
      return Status::Unavailable(std::string("postgres: ") + e.what());
    }
  });
}

void PostgresConnection::RollbackAfterError(pqxx::transaction_base& tx) {
  if (!guard_.Usable()) return;  // Cancelled or broken: not used again anyway.
  try {
    tx.exec0("ROLLBACK");
  } catch (const std::exception&) {
    guard_.MarkBroken();
  }
}

}  // namespace rse::postgres
