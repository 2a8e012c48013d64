// PostgreSQL through libpqxx 6.4. Queries run in BEGIN READ ONLY with
// SET LOCAL statement_timeout, and are cancelled (PQcancel) at their deadline.
#pragma once

#include <memory>

#include "base/clock.h"
#include "db/connection.h"

namespace rse {

std::unique_ptr<Backend> MakePostgresBackend(const Clock* clock);

}  // namespace rse
