// Internal to db/postgres: one libpq session behind the Connection interface.
// Every catalog query runs in a read-only transaction with SET LOCAL
// statement_timeout, after a gate that refuses to go on unless the server is
// in recovery (behind a pooler or load balancer, any transaction may reach
// another server); the probe is prepared when the session is ours, inline in
// its own transaction behind PgBouncer's transaction or statement pooling. The
// watchdog sends PQcancel if either runs past its deadline.
#pragma once

#include <memory>
#include <string>
#include <vector>
#include <pqxx/pqxx>

#include "base/topology.h"
#include "db/connection.h"
#include "db/session_guard.h"
#include "db/side_tasks.h"

namespace rse::postgres {

class PostgresConnection final : public Connection {
 public:
  // `pooler`, `replica_gate` and `transaction_guards` (see TransactionGuards) come from the
  // session's ConnectParams.
  PostgresConnection(std::unique_ptr<pqxx::connection> conn, Pooler pooler, bool replica_gate,
                     std::vector<std::string> transaction_guards, const Clock* clock,
                     CancelWatchdog* watchdog, SideTasks* cancels);

  Status Stream(std::string_view sql, const Deadline& deadline, std::string_view name,
                size_t max_rows, RowSink& sink,
                const std::vector<SessionSetting>& settings) override;
  // One round trip for the batch (see postgres_batch.cc), on PostgreSQL 13 or
  // later, outside a snapshot and statement pooling; else one at a time.
  void StreamBatch(std::vector<BatchStatement>& batch, const Clock& clock) override;
  Status BeginSnapshot(const Deadline& deadline) override;
  void EndSnapshot() override;
  StatusOr<ReplicaState> Probe(const Deadline& deadline) override;
  void Cancel() override;
  void Abort() override;
  bool Usable() const override { return guard_.Usable(); }
  bool Unresponsive() const override { return guard_.Unresponsive(); }
  std::string SetupAdvice() const override { return setup_advice_; }
  void set_setup_advice(std::string advice) { setup_advice_ = std::move(advice); }

 private:
  // Runs `body` on the session within `deadline` (the watchdog cancels it on
  // the server past that), turning libpqxx's errors into our codes; `body`
  // gets what is left of the deadline.
  template <typename T>
  StatusOr<T> Run(const Deadline& deadline,
                  const std::function<StatusOr<T>(pqxx::nontransaction&, std::chrono::milliseconds)>&
                      body);
  // What a statement's failure means (see connection.h's codes), with its
  // consequence for the session: rolled back and kept, or broken.
  Status Failed(std::exception_ptr error, pqxx::transaction_base* open);
  // After a statement of `pipe` failed: reads the end of its message, so
  // that the pipeline has nothing pending when it goes (libpqxx would send a
  // cancel, a new connection to the server, for each statement pending).
  // Nothing to read on a lost connection.
  void Settle(pqxx::pipeline& pipe);
  // Hands `result` to `sink`: at most `max_rows` rows, then Truncated().
  static void Deliver(const pqxx::result& result, size_t max_rows, RowSink& sink);
  // Sends batch[first...] as one pipeline and reads the results in order,
  // each under its own watch; returns where to go on: past the last one
  // read, or past one that failed (the server skipped the rest).
  size_t SendAndRead(std::vector<BatchStatement>& batch, size_t first, const Clock& clock,
                     const SessionGuard::WatchStatement& watch);
  // The ids of one statement's entries in a batch's pipeline.
  struct PipelineEntries {
    std::vector<pqxx::pipeline::query_id> before;  // BEGIN, the preamble.
    pqxx::pipeline::query_id statement = 0;
    pqxx::pipeline::query_id rollback = 0;
  };
  // Puts batch[first...] in `pipe` (unsent), each in its transaction with
  // its limit as at `sent_at`; stops at one out of time by then.
  std::vector<PipelineEntries> Send(pqxx::pipeline& pipe, pqxx::transaction_base& tx,
                                    const std::vector<BatchStatement>& batch, size_t first,
                                    TimePoint sent_at, const Clock& clock) const;
  // `sql` in a read-only transaction with a server-side time limit of
  // `remaining`, named after `name` (see db/query_tag.h) when it is not empty:
  // BEGIN READ ONLY, the limits, the gate, `sql` and ROLLBACK, one round trip
  // for one statement, two when `sql` may hold several. Behind statement
  // pooling, where no transaction may outlive one message, one implicit
  // transaction instead (SET TRANSACTION READ ONLY ... `sql`, one message).
  // Throws libpqxx's errors.
  pqxx::result ExecReadOnly(pqxx::nontransaction& tx, std::string_view sql,
                            std::chrono::milliseconds remaining, std::string_view name,
                            const std::vector<SessionSetting>& settings);
  // ExecReadOnly's statement inside the open snapshot: BEGIN (with the
  // first), SAVEPOINT, `before`, the statement, back to the savepoint.
  pqxx::result ExecInSnapshot(pqxx::nontransaction& tx, const std::string& statement,
                              const std::vector<std::string>& before);
  // Ends the transaction a failed statement left open (aborted); a session
  // that cannot is not used again.
  void RollbackAfterError(pqxx::transaction_base& tx);

  // Shared with a cancel in flight, which may outlive this object (see Cancel).
  const std::shared_ptr<pqxx::connection> conn_;
  std::string server_;  // "host:port", the key of its cancels (one at a time per server).
  SideTasks* const cancels_;
  SessionGuard guard_;
  // The statements before `sql` in every transaction: limits, name, guards,
  // the query's own settings (SET LOCAL: gone with the transaction), gate.
  std::vector<std::string> Preamble(pqxx::transaction_base& tx, std::chrono::milliseconds remaining,
                                    std::string_view name,
                                    const std::vector<SessionSetting>& settings) const;

  const Pooler pooler_;
  const bool replica_gate_;
  const std::vector<std::string> transaction_guards_;
  // The probe's prepared statement on conn_ (none/session pooling): its name,
  // renewed when a statement on the session dropped it (DEALLOCATE ALL).
  int probe_generation_ = 0;
  bool probe_prepared_ = false;
  std::string setup_advice_;  // See Connection::SetupAdvice.
  // Between BeginSnapshot and EndSnapshot: requested until the first
  // statement sends its BEGIN, begun after.
  enum class SnapshotState { kNone, kRequested, kBegun };
  SnapshotState snapshot_ = SnapshotState::kNone;
  Deadline snapshot_deadline_{TimePoint{}};
};

}  // namespace rse::postgres
