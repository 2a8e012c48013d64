// PostgresConnection's batches: a connection's catalog statements of one
// scrape in one message, so that a replica across a network costs one round
// trip for all of them. Each keeps what it has alone: its own transaction
// (BEGIN READ ONLY, its limit, name, guards, settings, the replica gate, its
// statement, ROLLBACK), its own statement_timeout (PostgreSQL 13 and later
// time each statement of a message apart; before, the whole message), and its
// own watch by the watchdog, armed when the one before it answered.
//
// An error makes the server skip the rest of the message: the failed
// statement's transaction is rolled back and the rest go in the next message,
// so one statement's failure costs the others a round trip, not their results.
#include <string>
#include <vector>

#include "db/postgres/postgres_connection.h"
#include "db/sql_text.h"

namespace rse::postgres {
namespace {

constexpr int kFirstServerToBatch = 130000;  // Statement limits apart within one message.

// The ids of one statement's entries in the pipeline.
struct Entries {
  std::vector<pqxx::pipeline::query_id> before;  // BEGIN, the preamble.
  pqxx::pipeline::query_id statement = 0;
  pqxx::pipeline::query_id rollback = 0;
};

}  // namespace

void PostgresConnection::StreamBatch(std::vector<BatchStatement>& batch, const Clock& clock) {
  bool together = batch.size() > 1 && snapshot_ == SnapshotState::kNone &&
                  pooler_ != Pooler::kStatement && conn_->server_version() >= kFirstServerToBatch;
  for (const BatchStatement& statement : batch) together = together && Batchable(statement.sql);
  if (!together) return Connection::StreamBatch(batch, clock);
  size_t next = 0;
  while (next < batch.size()) {
    const Status begun = guard_.RunBatch([&](const SessionGuard::WatchStatement& watch) {
      next = SendAndRead(batch, next, clock, watch);
    });
    if (!begun.ok()) return;  // Unusable: the rest did not run.
  }
}

size_t PostgresConnection::SendAndRead(std::vector<BatchStatement>& batch, size_t first,
                                       const Clock& clock,
                                       const SessionGuard::WatchStatement& watch) {
  const TimePoint sent_at = clock.Now();
  std::optional<pqxx::nontransaction> tx;
  std::optional<pqxx::pipeline> pipe;
  std::vector<Entries> entries;
  try {
    tx.emplace(*conn_);
    pipe.emplace(*tx);
    pipe->retain(1 << 20);  // Nothing leaves before resume().
    static const std::vector<SessionSetting> kNone;
    for (size_t i = first; i < batch.size(); ++i) {
      const BatchStatement& statement = batch[i];
      // The server counts each limit from the statement's own start; here
      // from the send, which is no later.
      const std::chrono::milliseconds remaining =
          statement.deadline.From(sent_at).Remaining(clock);
      if (remaining.count() <= 0) break;
      Entries& entry = entries.emplace_back();
      entry.before.push_back(pipe->insert("BEGIN READ ONLY"));
      for (const std::string& prefix : Preamble(*tx, remaining, statement.name,
                                                statement.settings ? *statement.settings : kNone))
        entry.before.push_back(pipe->insert(prefix));
      // On lines of its own: a trailing "-- comment" must not swallow what follows.
      entry.statement =
          pipe->insert("\n" + std::string(WithoutTrailingSemicolons(statement.sql)) + "\n");
      entry.rollback = pipe->insert("ROLLBACK");
    }
    if (entries.empty()) {  // Out of time before it was sent: not sent.
      pipe.reset();
      batch[first].ran = true;
      batch[first].started = batch[first].finished = sent_at;
      batch[first].status = Status::DeadlineExceeded("not started before the deadline");
      return first + 1;
    }
    pipe->resume();
  } catch (...) {
    if (pipe) Settle(*pipe);
    pipe.reset();
    BatchStatement& statement = batch[first];
    statement.ran = true;
    statement.started = sent_at;
    statement.finished = clock.Now();
    statement.status = Failed(std::current_exception(), tx ? &*tx : nullptr);
    return first + 1;
  }
  TimePoint started = sent_at;
  for (size_t k = 0; k < entries.size(); ++k) {
    BatchStatement& statement = batch[first + k];
    statement.started = started;
    statement.ran = true;
    const Deadline deadline = statement.deadline.From(started);
    watch(deadline);
    pqxx::result result;
    try {
      // In order: the first failure (the gate's, on a primary) is the one thrown.
      for (pqxx::pipeline::query_id id : entries[k].before) pipe->retrieve(id);
      result = pipe->retrieve(entries[k].statement);
      pipe->retrieve(entries[k].rollback);
    } catch (...) {
      // The server skipped the rest of the message; the failed transaction
      // is rolled back (or the session goes) before anything else is sent.
      const std::exception_ptr error = std::current_exception();
      Settle(*pipe);
      pipe.reset();
      statement.finished = clock.Now();
      const bool stopped = guard_.CancelledInStatement();
      statement.status = Failed(error, &*tx);
      if (stopped && statement.status.code() == Status::Code::kUnavailable) {
        statement.status = Status::DeadlineExceeded(
            "postgres: stopped at its deadline; the server did not answer in time and the "
            "session was closed");
      }
      return first + k + 1;
    }
    statement.finished = started = clock.Now();
    Deliver(result, statement.max_rows, *statement.sink);
    statement.status = Status::Ok();
  }
  pipe->complete();
  return first + entries.size();
}

}  // namespace rse::postgres
