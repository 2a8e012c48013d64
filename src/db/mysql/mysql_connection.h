// Internal to db/mysql: one Connector/C++ session behind the Connection
// interface. Every statement runs read-only (the session's transactions are)
// with a server-side time limit; the watchdog sends KILL QUERY from a side session if
// it runs past that (the connector cannot cancel).
#pragma once

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
  Status UseDatabase(const std::string& database, const Deadline& deadline) override;
  StatusOr<ReplicaState> Probe(const Deadline& deadline) override;
  void Cancel() override;
  void Abort() override;
  bool Usable() const override;
  bool Unresponsive() const override { return guard_.Unresponsive(); }

 private:
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
