#include "db/postgres/postgres_connection.h"

#include <sys/socket.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "db/postgres/postgres_session.h"
#include "db/postgres/pqxx_compat.h"
#include "db/query_tag.h"
#include "db/sql_text.h"

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

// Runs before every catalog statement, in its transaction: the probe admitted
// a session, but behind PgBouncer's transaction pooling or a load balancer the
// next transaction may reach another server, and a direct server may have been
// promoted since. A primary refuses here, before the query runs.
constexpr const char* kReplicaGate =
    "DO $rse$BEGIN IF NOT pg_is_in_recovery() THEN RAISE EXCEPTION "
    "'postgres: the server this session reached is not a replica (not in recovery); the "
    "query did not run' USING ERRCODE = 'RSE01'; END IF; END$rse$";

constexpr const char* kSnapshotSavepoint = "rse_query";

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
      transaction_guards_(std::move(transaction_guards)) {}

Status PostgresConnection::Stream(std::string_view sql, const Deadline& deadline,
                                  std::string_view name, size_t max_rows, RowSink& sink,
                                  const std::vector<SessionSetting>& settings) {
  auto done = Run<bool>(deadline, [&](pqxx::nontransaction& tx,
                                      std::chrono::milliseconds remaining) -> StatusOr<bool> {
    const pqxx::result result = ExecReadOnly(tx, sql, remaining, name, settings);
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

std::vector<std::string> PostgresConnection::Preamble(pqxx::transaction_base& tx,
                                                      std::chrono::milliseconds remaining,
                                                      std::string_view name,
                                                      const std::vector<SessionSetting>& settings) const {
  std::vector<std::string> before = {"SET LOCAL statement_timeout = " +
                                     std::to_string(std::max<int64_t>(1, remaining.count()))};
  // Until the transaction ends, pg_stat_activity shows which query this is.
  if (!name.empty()) {
    // esc() and our own quotes rather than quote(): GCC 12 warns about
    // pqxx's quote() inlined here (-Wrestrict false positive, GCC bug 105329).
    std::string set_name = "SET LOCAL application_name = '";
    set_name += tx.esc(QueryApplicationName(name));
    set_name += '\'';
    before.push_back(std::move(set_name));
  }
  before.insert(before.end(), transaction_guards_.begin(), transaction_guards_.end());
  // After the guards: a query's lock_timeout overrides the session's.
  for (const SessionSetting& setting : settings)
    before.push_back("SET LOCAL " + setting.name + " = " + setting.literal);
  if (replica_gate_) before.push_back(kReplicaGate);
  return before;
}

pqxx::result PostgresConnection::ExecReadOnly(pqxx::nontransaction& tx, std::string_view sql,
                                              std::chrono::milliseconds remaining,
                                              std::string_view name,
                                              const std::vector<SessionSetting>& settings) {
  // On lines of its own: a trailing "-- comment" must not swallow what follows.
  std::string statement = "\n";
  statement += WithoutTrailingSemicolons(sql);
  statement += '\n';
  const std::vector<std::string> before = Preamble(tx, remaining, name, settings);
  if (snapshot_ != SnapshotState::kNone) return ExecInSnapshot(tx, statement, before);
  if (pooler_ == Pooler::kStatement) {
    // PgBouncer closes a client whose transaction outlives one message (even
    // one left aborted by an error). One message, one implicit transaction:
    // committed at its end (a read-only one has nothing to keep), rolled back
    // by the server on any error. libpq returns the last statement's result.
    std::string text = "SET TRANSACTION READ ONLY";
    for (const std::string& prefix : before) text += "; " + prefix;
    return tx.exec(text + ";" + statement);
  }
  // Our own BEGIN and ROLLBACK around the statement (not pqxx's
  // read_transaction, which sends each alone). Read-only either way: the
  // session has default_transaction_read_only = on. Rolled back, never
  // committed: a read-only transaction has nothing to keep, and a ROLLBACK
  // also undoes any SET or set_config() the query made, so no query can
  // change the session under the next one.
  if (statement.find(';') == std::string::npos) {
    // One statement (no ";" anywhere): everything goes in one string through
    // a pipeline, which hands back each statement's result: one round trip.
    pqxx::pipeline pipe(tx);
    pipe.retain(static_cast<int>(before.size()) + 3);  // Sent together by resume().
    std::vector<pqxx::pipeline::query_id> ids = {pipe.insert("BEGIN READ ONLY")};
    for (const std::string& prefix : before) ids.push_back(pipe.insert(prefix));
    const pqxx::pipeline::query_id query = pipe.insert(statement);
    const pqxx::pipeline::query_id rollback = pipe.insert("ROLLBACK");
    pipe.resume();
    // In order: the first failure (the gate's, on a primary) is the one thrown.
    for (pqxx::pipeline::query_id id : ids) pipe.retrieve(id);
    pqxx::result result = pipe.retrieve(query);  // Throws the statement's error.
    pipe.retrieve(rollback);
    pipe.complete();  // Every result read: nothing left for the pipeline to cancel.
    return result;
  }
  // Maybe several statements (or a ";" in a literal): a pipeline needs one
  // result per statement, so the SQL goes last in one string, whose last
  // result libpq returns, and the ROLLBACK follows alone: two round trips.
  std::string text = "BEGIN READ ONLY";
  for (const std::string& prefix : before) text += "; " + prefix;
  pqxx::result result = tx.exec(text + ";" + statement);
  tx.exec("ROLLBACK");
  return result;
}

pqxx::result PostgresConnection::ExecInSnapshot(pqxx::nontransaction& tx,
                                                const std::string& statement,
                                                const std::vector<std::string>& before) {
  // A savepoint around each statement: rolling back to it undoes the
  // statement's SET LOCALs (its limit, name and settings stay its own) and
  // an error's abort, while the transaction's snapshot stays.
  std::vector<std::string> sent;
  // libpqxx's pipeline leads a batch with a SELECT of its own, which takes a
  // snapshot: after it, BEGIN ISOLATION LEVEL fails (25001). So the first
  // statement goes as one string that starts with the BEGIN.
  const bool first = snapshot_ == SnapshotState::kRequested;
  if (first) sent.push_back("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  snapshot_ = SnapshotState::kBegun;  // An error from here on is rolled back to the savepoint.
  sent.push_back("SAVEPOINT " + std::string(kSnapshotSavepoint));
  sent.insert(sent.end(), before.begin(), before.end());
  const std::string rollback_to = std::string("ROLLBACK TO SAVEPOINT ") + kSnapshotSavepoint;
  const std::string release = std::string("RELEASE SAVEPOINT ") + kSnapshotSavepoint;
  if (!first && statement.find(';') == std::string::npos) {
    pqxx::pipeline pipe(tx);
    // One result per entry: each entry one statement.
    pipe.retain(static_cast<int>(sent.size()) + 3);
    std::vector<pqxx::pipeline::query_id> ids;
    for (const std::string& prefix : sent) ids.push_back(pipe.insert(prefix));
    const pqxx::pipeline::query_id query = pipe.insert(statement);
    const pqxx::pipeline::query_id undo[] = {pipe.insert(rollback_to), pipe.insert(release)};
    pipe.resume();
    for (pqxx::pipeline::query_id id : ids) pipe.retrieve(id);
    pqxx::result result = pipe.retrieve(query);
    for (pqxx::pipeline::query_id id : undo) pipe.retrieve(id);
    pipe.complete();
    return result;
  }
  std::string text;
  for (const std::string& prefix : sent) text += prefix + "; ";
  pqxx::result result = tx.exec(text + statement);
  tx.exec(rollback_to + "; " + release);
  return result;
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
  });
}

void PostgresConnection::RollbackAfterError(pqxx::transaction_base& tx) {
  if (!guard_.Usable()) return;  // Cancelled or broken: not used again anyway.
  // One message, one implicit transaction: the server rolled it back already.
  if (pooler_ == Pooler::kStatement) return;
  try {
    // In a snapshot, only back to the failed statement's savepoint: the
    // snapshot's other statements still run in it.
    if (snapshot_ == SnapshotState::kBegun) {
      tx.exec(std::string("ROLLBACK TO SAVEPOINT ") + kSnapshotSavepoint + "; RELEASE SAVEPOINT " +
              kSnapshotSavepoint);
      return;
    }
    tx.exec("ROLLBACK");
  } catch (const std::exception&) {
    guard_.MarkBroken();
  }
}

}  // namespace rse::postgres
