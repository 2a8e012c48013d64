// Internal to db/mysql: opening Connector/C++ sessions with the exporter's
// guards, and turning connector errors into our codes. Vendor types stay in
// this directory.
#pragma once

#include <cppconn/exception.h>
#include <mysql_connection.h>
#include <mysql_driver.h>

#include <memory>
#include <string>

#include "base/status.h"
#include "db/connect_params.h"

namespace rse::mysql {

// Connector/C++ wants threadInit()/threadEnd() around its use in every thread.
void EnsureThreadInit(sql::mysql::MySQL_Driver* driver);

// What a session learned about its server at connect time.
struct ServerInfo {
  bool mariadb = true;
  int64_t connection_id = 0;
  // Our end of the session's TCP socket, found by the client port the server
  // reports for it; -1 when unknown (a unix socket, a proxy that rewrites ports).
  int socket_fd = -1;
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

}  // namespace rse::mysql
