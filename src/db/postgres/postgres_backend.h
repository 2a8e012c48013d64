// PostgreSQL through libpqxx 6.4. Queries run in BEGIN READ ONLY with
// SET LOCAL statement_timeout, and are cancelled (PQcancel) at their deadline.
#pragma once

#include <memory>

#include "db/connect_params.h"
#include "db/connection.h"

namespace rse {

std::unique_ptr<Backend> MakePostgresBackend();

// The libpq connection string for `params` (values quoted; exposed for tests).
std::string PostgresConnectionString(const ConnectParams& params, int connect_timeout_seconds);

}  // namespace rse
