// Internal to db/postgres: opening libpq sessions with the exporter's guards,
// and turning libpqxx errors into our codes. Vendor types stay in this directory.
#pragma once

#include <chrono>
#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "base/status.h"
#include "db/connect_params.h"

namespace rse::postgres {

// Opens a session within `budget`: read-only by default, lock and idle
// timeouts, UTC, application_name, TLS as configured (libpq itself refuses a
// plain session for require and stronger), then session_sql.
StatusOr<std::unique_ptr<pqxx::connection>> OpenSession(const ConnectParams& params,
                                                        std::chrono::milliseconds budget);

// Behind PgBouncer in statement mode no transaction of ours spans two
// statements, so the role's own defaults are the last guard: advice when the
// role lacks default_transaction_read_only = on (empty when it has it), or
// when it cannot be read.
std::string StatementModeAdvice(pqxx::connection& conn);

// The SQLSTATE of the replica gate's refusal (see postgres_connection.cc).
inline constexpr const char* kNotAReplicaState = "RSE01";

// The libpq connection string for `params`, values quoted. Behind PgBouncer it
// carries no startup "options" (PgBouncer refuses them).
std::string ConnectionString(const ConnectParams& params, int connect_timeout_seconds);

// The guards a transaction must set for itself ("SET LOCAL ..."), when the
// server session is not ours beyond one transaction (pgbouncer-transaction and
// -statement); empty otherwise (the startup options or the session hold them).
std::vector<std::string> TransactionGuards(const ConnectParams& params);

// Maps a statement's SQL error to our codes (see db/connection.h); sets
// `*connection_lost` when the session is gone rather than the statement wrong.
Status FromSqlError(const pqxx::sql_error& e, bool* connection_lost);

}  // namespace rse::postgres
