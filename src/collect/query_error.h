// Why a query's samples were not served whole: the typed reason behind
// replica_sql_query_errors_total{reason}. Every list of reasons (pre-declared
// series, HELP text) is derived from kAllQueryErrors.
#pragma once

#include <string>

#include "base/status.h"

namespace rse {

enum class QueryError {
  kTimeout,           // The statement or the scrape ran out of time.
  kSql,               // The server rejected the statement (syntax, permission, write attempt).
  kConnection,        // The session or the server failed, or no replica could run it.
  kRecoveryConflict,  // A hot standby cancelled it to replay changes (retried once elsewhere).
  kInvalidValue,      // A value column held something that is not a number, or a column is missing.
  kDuplicateSeries,   // Two rows, or two queries, gave one label set.
  kTooManySeries,     // More samples than max_series.
  kNullValue,         // A NULL value without null_value: that sample was skipped.
};
inline constexpr QueryError kAllQueryErrors[] = {
    QueryError::kTimeout,          QueryError::kSql,          QueryError::kConnection,
    QueryError::kRecoveryConflict, QueryError::kInvalidValue, QueryError::kDuplicateSeries,
    QueryError::kTooManySeries,    QueryError::kNullValue};

// The `reason` label value: "timeout", "sql", "connection", ...
const char* QueryErrorLabel(QueryError error);

// "timeout, sql, connection, ...": for HELP texts and docs.
std::string QueryErrorList();

// How a failed statement is counted, from the code the backend gave its Status
// (see db/connection.h): DeadlineExceeded is a timeout, Unavailable (or a session
// that reached a primary) a connection failure, Aborted a recovery conflict, anything else the SQL's fault.
QueryError QueryErrorFor(const Status& status);

}  // namespace rse
