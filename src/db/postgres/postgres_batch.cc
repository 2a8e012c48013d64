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

}  // namespace

void PostgresConnection::StreamBatch(std::vector<BatchStatement>& batch, const Clock& clock) {
  bool together = batch.size() > 1 && snapshot_ == SnapshotState::kNone &&
                  pooler_ != Pooler::kStatement && conn_->server_version() >= kFirstServerToBatch;
  for (const BatchStatement& statement : batch) together = together && Batchable(statement.sql);
  if (!together) return Connection::StreamBatch(batch, clock);
  guard_.RunBatch(batch.size(), [&](size_t first, const SessionGuard::WatchStatement& watch) {
    return SendAndRead(batch, first, clock, watch);
  });
}

size_t PostgresConnection::SendAndRead(std::vector<BatchStatement>& batch, size_t first,
                                       const Clock& clock,
                                       const SessionGuard::WatchStatement& watch) {
  const TimePoint sent_at = clock.Now();
  std::optional<pqxx::nontransaction> tx;
  std::optional<pqxx::pipeline> pipe;
  std::vector<PipelineEntries> entries;
  try {
    tx.emplace(*conn_);
    pipe.emplace(*tx);
    entries = Send(*pipe, *tx, batch, first, sent_at, clock);
    if (entries.empty()) {  // Out of time before it was sent: not sent.
      pipe.reset();
      Ran(batch[first], sent_at, sent_at, Status::DeadlineExceeded("not started before the deadline"));
      return first + 1;
    }
    pipe->resume();
  } catch (...) {
    const std::exception_ptr error = std::current_exception();
    if (pipe) Settle(*pipe);
    pipe.reset();
    Ran(batch[first], sent_at, clock.Now(), Failed(error, tx ? &*tx : nullptr));
    return first + 1;
  }
  TimePoint started = sent_at;
  for (size_t k = 0; k < entries.size(); ++k) {
    BatchStatement& statement = batch[first + k];
    watch(statement.deadline.From(started));
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
      const bool stopped = guard_.CancelledInStatement();
      Ran(statement, started, clock.Now(), guard_.StoppedOr(stopped, Failed(error, &*tx)));
      return first + k + 1;
    }
    const TimePoint finished = clock.Now();
    Deliver(result, statement.max_rows, *statement.sink);
    Ran(statement, started, finished, Status::Ok());
    started = finished;
  }
  pipe->complete();
  return first + entries.size();
}

std::vector<PostgresConnection::PipelineEntries> PostgresConnection::Send(
    pqxx::pipeline& pipe, pqxx::transaction_base& tx, const std::vector<BatchStatement>& batch,
    size_t first, TimePoint sent_at, const Clock& clock) const {
  static const std::vector<SessionSetting> kNone;
  std::vector<PipelineEntries> entries;
  pipe.retain(1 << 20);  // Nothing leaves before resume().
  for (size_t i = first; i < batch.size(); ++i) {
    const BatchStatement& statement = batch[i];
    // The server counts each limit from the statement's own start; here
    // from the send, which is no later.
    const std::chrono::milliseconds remaining = statement.deadline.From(sent_at).Remaining(clock);
    if (remaining.count() <= 0) break;
    PipelineEntries& entry = entries.emplace_back();
    entry.before.push_back(pipe.insert("BEGIN READ ONLY"));
    for (const std::string& prefix : Preamble(tx, remaining, statement.name,
                                              statement.settings ? *statement.settings : kNone))
      entry.before.push_back(pipe.insert(prefix));
    entry.statement = pipe.insert(StatementOnOwnLines(statement.sql));
    entry.rollback = pipe.insert("ROLLBACK");
  }
  return entries;
}

}  // namespace rse::postgres
