#include "collect/query_error.h"

#include <gtest/gtest.h>

#include <set>

namespace rse {
namespace {

TEST(QueryErrorTest, LabelsAreDistinctAndStable) {
  std::set<std::string> labels;
  for (QueryError e : kAllQueryErrors) labels.insert(QueryErrorLabel(e));
  // These are series labels users alert on: renaming one is a breaking change.
  EXPECT_EQ(labels, (std::set<std::string>{"timeout", "sql", "connection", "recovery_conflict",
                                           "invalid_value", "duplicate_series", "too_many_series",
                                           "null_value"}));
}

TEST(QueryErrorTest, ListNamesEveryReasonInOrder) {
  EXPECT_EQ(QueryErrorList(),
            "timeout, sql, connection, recovery_conflict, invalid_value, duplicate_series, "
            "too_many_series, null_value");
}

TEST(QueryErrorTest, ClassifiesTheBackendsCodes) {
  EXPECT_EQ(QueryErrorFor(Status::DeadlineExceeded("stopped")), QueryError::kTimeout);
  EXPECT_EQ(QueryErrorFor(Status::Unavailable("gone")), QueryError::kConnection);
  EXPECT_EQ(QueryErrorFor(Status::Aborted("conflict with recovery")),
            QueryError::kRecoveryConflict);
  EXPECT_EQ(QueryErrorFor(Status::InvalidArgument("syntax")), QueryError::kSql);
  EXPECT_EQ(QueryErrorFor(Status::Internal("?")), QueryError::kSql);
}

}  // namespace
}  // namespace rse
