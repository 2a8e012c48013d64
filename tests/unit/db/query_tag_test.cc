#include "db/query_tag.h"

#include <gtest/gtest.h>

namespace rse {
namespace {

TEST(QueryTagTest, NamesTheQueryForDbas) {
  EXPECT_EQ(QueryApplicationName("orders_by_status"), "replica_sql_exporter/orders_by_status");
  EXPECT_EQ(QueryComment("orders_by_status"), "/* replica_sql_exporter query=orders_by_status */ ");
}

TEST(QueryTagTest, AnEmptyNameTagsNothing) {
  EXPECT_EQ(QueryApplicationName(""), "replica_sql_exporter");
  EXPECT_EQ(QueryComment(""), "");
}

TEST(QueryTagTest, NothingCanEscapeTheCommentOrTheQuotes) {
  EXPECT_EQ(QueryComment("x */ DROP TABLE t; /*"), "/* replica_sql_exporter query=xDROPTABLEt */ ");
  EXPECT_EQ(QueryApplicationName("a'b\\c"), "replica_sql_exporter/abc");
}

}  // namespace
}  // namespace rse
