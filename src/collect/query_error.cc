#include "collect/query_error.h"

namespace rse {

const char* QueryErrorLabel(QueryError error) {
  switch (error) {
    case QueryError::kTimeout: return "timeout";
    case QueryError::kSql: return "sql";
    case QueryError::kConnection: return "connection";
    case QueryError::kRecoveryConflict: return "recovery_conflict";
    case QueryError::kInvalidValue: return "invalid_value";
    case QueryError::kDuplicateSeries: return "duplicate_series";
    case QueryError::kTooManySeries: return "too_many_series";
    case QueryError::kNullValue: return "null_value";
  }
  return "unknown";
}

std::string QueryErrorList() {
  std::string out;
  for (QueryError error : kAllQueryErrors)
    out += (out.empty() ? "" : ", ") + std::string(QueryErrorLabel(error));
  return out;
}

QueryError QueryErrorFor(const Status& status) {
  switch (status.code()) {
    case Status::Code::kDeadlineExceeded: return QueryError::kTimeout;
    case Status::Code::kUnavailable:
    case Status::Code::kFailedPrecondition: return QueryError::kConnection;
    case Status::Code::kAborted: return QueryError::kRecoveryConflict;
    default: return QueryError::kSql;
  }
}

}  // namespace rse
