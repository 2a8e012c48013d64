// PostgresConnection's transactions: how a catalog statement is wrapped
// (BEGIN READ ONLY, its limits, name, guards, settings and the replica gate,
// then ROLLBACK), inside a consistent snapshot (a savepoint per statement),
// and behind PgBouncer's statement pooling (one implicit transaction).
#include <string>
#include <vector>

#include "db/postgres/postgres_connection.h"
#include "db/query_tag.h"
#include "db/sql_text.h"

namespace rse::postgres {
namespace {

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
  const std::string statement = StatementOnOwnLines(sql);
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
    try {
      // In order: the first failure (the gate's, on a primary) is the one thrown.
      for (pqxx::pipeline::query_id id : ids) pipe.retrieve(id);
      pqxx::result result = pipe.retrieve(query);  // Throws the statement's error.
      pipe.retrieve(rollback);
      pipe.complete();  // Every result read: nothing left for the pipeline to cancel.
      return result;
    } catch (...) {
      Settle(pipe);
      throw;
    }
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
    try {
      for (pqxx::pipeline::query_id id : ids) pipe.retrieve(id);
      pqxx::result result = pipe.retrieve(query);
      for (pqxx::pipeline::query_id id : undo) pipe.retrieve(id);
      pipe.complete();
      return result;
    } catch (...) {
      Settle(pipe);
      throw;
    }
  }
  std::string text;
  for (const std::string& prefix : sent) text += prefix + "; ";
  pqxx::result result = tx.exec(text + statement);
  tx.exec(rollback_to + "; " + release);
  return result;
}

void PostgresConnection::Settle(pqxx::pipeline& pipe) {
  if (!conn_->is_open()) return;
  try {
    pipe.flush();
  } catch (const std::exception&) {
    // Lost meanwhile: libpq has closed the socket, so no cancel can go out.
  }
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
