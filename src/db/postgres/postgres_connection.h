// Internal to db/postgres: one libpq session behind the Connection interface.
// Every catalog query runs in a read-only transaction with SET LOCAL
// statement_timeout, the probe (prepared) under the session's own; the
// watchdog sends PQcancel if either runs past its deadline.
#pragma once

#include <memory>
#include <pqxx/pqxx>

#include "db/connection.h"
#include "db/session_guard.h"
#include "db/side_tasks.h"

namespace rse::postgres {

class PostgresConnection final : public Connection {
 public:
  PostgresConnection(std::unique_ptr<pqxx::connection> conn, const Clock* clock,
                     CancelWatchdog* watchdog, SideTasks* cancels);

  Status Stream(std::string_view sql, const Deadline& deadline, std::string_view name,
                size_t max_rows, RowSink& sink) override;
  StatusOr<ReplicaState> Probe(const Deadline& deadline) override;
  void Cancel() override;
  void Abort() override;
  bool Usable() const override { return guard_.Usable(); }

 private:
  // Runs `body` on the session within `deadline` (the watchdog cancels it on
  // the server past that), turning libpqxx's errors into our codes; `body`
  // gets what is left of the deadline.
  template <typename T>
  StatusOr<T> Run(const Deadline& deadline,
                  const std::function<StatusOr<T>(pqxx::nontransaction&, std::chrono::milliseconds)>&
                      body);
  // `sql` in a read-only transaction with a server-side time limit of
  // `remaining`, named after `name` (see db/query_tag.h) when it is not empty:
  // BEGIN READ ONLY, the limits, `sql` and ROLLBACK, one round trip for one
  // statement, two when `sql` may hold several. Throws libpqxx's errors.
  pqxx::result ExecReadOnly(pqxx::nontransaction& tx, std::string_view sql,
                            std::chrono::milliseconds remaining, std::string_view name);
  // Ends the transaction a failed statement left open (aborted); a session
  // that cannot is not used again.
  void RollbackAfterError(pqxx::transaction_base& tx);

  // Shared with a cancel in flight, which may outlive this object (see Cancel).
  const std::shared_ptr<pqxx::connection> conn_;
  SideTasks* const cancels_;
  SessionGuard guard_;
  bool probe_prepared_ = false;  // The probe's statement is defined on conn_.
};

}  // namespace rse::postgres
