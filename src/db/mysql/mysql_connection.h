// Internal to db/mysql: one Connector/C++ session behind the Connection
// interface. Every statement runs read-only (the session's transactions are)
// with a server-side time limit; the watchdog sends KILL QUERY from a side session if
// it runs past that (the connector cannot cancel).
#pragma once

#include <cppconn/resultset.h>

#include <memory>

#include "db/connection.h"
#include "db/mysql/mysql_session.h"
#include "db/session_guard.h"
#include "db/side_tasks.h"

namespace rse::mysql {

class MysqlConnection final : public Connection {
 public:
  MysqlConnection(sql::mysql::MySQL_Driver* driver, ConnectParams params,
                  std::unique_ptr<sql::Connection> session, ServerInfo info, const Clock* clock,
                  CancelWatchdog* watchdog, SideTasks* cancels);
  ~MysqlConnection() override;

  Status Stream(std::string_view sql, const Deadline& deadline, std::string_view name,
                size_t max_rows, RowSink& sink,
                const std::vector<SessionSetting>& settings) override;
  Status BeginSnapshot(const Deadline& deadline) override;
  void EndSnapshot() override;
  // MariaDB: one message for the batch (see mysql_batch.cc); MySQL, inside a
  // snapshot, or with a statement that holds ";": one at a time.
  void StreamBatch(std::vector<BatchStatement>& batch, const Clock& clock) override;
  Status UseDatabase(const std::string& database, const Deadline& deadline) override;
  StatusOr<ReplicaState> Probe(const Deadline& deadline) override;
  void Cancel() override;
  void Abort() override;
  bool Usable() const override;
  bool Unresponsive() const override { return guard_.Unresponsive(); }

 private:
  // What a statement's failure means (see connection.h); a lost session is
  // marked broken.
  Status Failed(std::exception_ptr error);
  // Sends batch[first...] in one message (MariaDB: SET STATEMENT
  // max_statement_time = ... FOR each) and reads the results in order, each
  // under its own watch; returns where to go on: past the last one read, or
  // past one that failed (the server ran none after it).
  size_t SendAndRead(std::vector<BatchStatement>& batch, size_t first, const Clock& clock,
                     const SessionGuard::WatchStatement& watch);
  // Hands `rs` to `sink`: at most `max_rows` rows, then Truncated().
  static void StreamResult(sql::ResultSet& rs, size_t max_rows, RowSink& sink);
  // The message for batch[first...]: each statement with its limit as at
  // `sent_at`, up to one out of time by then; `*count` of them.
  std::string BatchText(const std::vector<BatchStatement>& batch, size_t first, TimePoint sent_at,
                        const Clock& clock, size_t* count) const;
  // Builds the text of one statement: the tag, its limit and settings, the SQL.
  std::string Statement(std::string_view sql, std::string_view name, double seconds,
                        const std::vector<SessionSetting>& settings) const;

  template <typename T>
  StatusOr<T> Run(const Deadline& deadline,
                  const std::function<StatusOr<T>(sql::Statement&, double)>& body);

  sql::mysql::MySQL_Driver* const driver_;
  const ConnectParams params_;  // For the side connection that sends KILL QUERY.
  const std::unique_ptr<sql::Connection> session_;
  const ServerInfo info_;
  SideTasks* const cancels_;
  SessionGuard guard_;
  bool in_snapshot_ = false;
  Deadline snapshot_deadline_{TimePoint{}};  // Bounds the snapshot's ROLLBACK too.
};

}  // namespace rse::mysql
