// Internal to db/mysql: opening Connector/C++ sessions, and the connection
// class. Vendor types stay inside this directory.
#pragma once

#include <cppconn/exception.h>
#include <mysql_connection.h>
#include <mysql_driver.h>

#include <memory>
#include <string>

#include "base/status.h"
#include "db/cancel_watchdog.h"
#include "db/connect_params.h"
#include "db/connection.h"
#include "db/session_guard.h"

namespace rse::mysql {

// Connector/C++ wants threadInit()/threadEnd() around its use in every thread.
void EnsureThreadInit(sql::mysql::MySQL_Driver* driver);

// What a session learned about its server at connect time.
struct ServerInfo {
  bool mariadb = true;
  int64_t connection_id = 0;
};

// Opens a session with the exporter's guards (UTC, lock wait timeout,
// utf8mb4, program_name), TLS as configured (require and stronger fail
// closed, checked after the handshake), then runs session_sql.
StatusOr<std::unique_ptr<sql::Connection>> OpenSession(sql::mysql::MySQL_Driver* driver,
                                                       const ConnectParams& params,
                                                       std::chrono::milliseconds budget,
                                                       ServerInfo* info);

// Maps a connector exception to our error codes (see db/connection.h).
Status FromSqlException(const sql::SQLException& e, bool* connection_lost);

class MysqlConnection final : public Connection {
 public:
  MysqlConnection(sql::mysql::MySQL_Driver* driver, ConnectParams params,
                  std::unique_ptr<sql::Connection> session, ServerInfo info,
                  CancelWatchdog* watchdog);
  ~MysqlConnection() override;

  StatusOr<RowSet> Query(std::string_view sql, const Deadline& deadline) override;
  StatusOr<ReplicaState> Probe(const Deadline& deadline) override;
  void Cancel() override;
  bool Usable() const override;

 private:
  template <typename T>
  StatusOr<T> Run(const Deadline& deadline,
                  const std::function<StatusOr<T>(sql::Statement&, double)>& body);
  void MarkBroken();

  sql::mysql::MySQL_Driver* const driver_;
  const ConnectParams params_;  // For the side connection that sends KILL QUERY.
  const std::unique_ptr<sql::Connection> session_;
  const ServerInfo info_;
  CancelWatchdog* const watchdog_;
  SessionGuard guard_;
};

}  // namespace rse::mysql
