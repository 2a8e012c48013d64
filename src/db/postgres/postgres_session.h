// Internal to db/postgres: opening libpq sessions with the exporter's guards,
// and turning libpqxx errors into our codes. Vendor types stay in this directory.
#pragma once

#include <chrono>
#include <memory>
#include <pqxx/pqxx>
#include <string>

#include "base/status.h"
#include "db/connect_params.h"

namespace rse::postgres {

// Opens a session within `budget`: read-only by default, lock and idle
// timeouts, UTC, application_name, TLS as configured (libpq itself refuses a
// plain session for require and stronger), then session_sql.
StatusOr<std::unique_ptr<pqxx::connection>> OpenSession(const ConnectParams& params,
                                                        std::chrono::milliseconds budget);

// The libpq connection string for `params`, values quoted.
std::string ConnectionString(const ConnectParams& params, int connect_timeout_seconds);

// Maps a statement's SQL error to our codes (see db/connection.h); sets
// `*connection_lost` when the session is gone rather than the statement wrong.
Status FromSqlError(const pqxx::sql_error& e, bool* connection_lost);

}  // namespace rse::postgres
