// MySQL and MariaDB through MySQL Connector/C++ 1.1. Queries run in START
// TRANSACTION READ ONLY with a server-side time limit (MariaDB SET STATEMENT
// max_statement_time, MySQL max_execution_time) and are stopped at their
// deadline with KILL QUERY from a side connection (the connector cannot cancel).
#pragma once

#include <memory>

#include "base/clock.h"
#include "db/connection.h"

namespace rse {

// Call from the main thread before any other thread uses the connector.
std::unique_ptr<Backend> MakeMysqlBackend(const Clock* clock);

}  // namespace rse
