#include "catalog/sql_statements.h"

#include <gtest/gtest.h>

namespace rse {
namespace {

using Keywords = std::vector<std::string>;

TEST(SqlStatementsTest, FirstKeywordOfEachStatementSkippingCommentsAndQuotes) {
  EXPECT_EQ(StatementKeywords("select 1"), (Keywords{"SELECT"}));
  EXPECT_EQ(StatementKeywords("-- note; COMMIT\n /* SET x; */ WITH a AS (SELECT 1) SELECT * FROM a;"),
            (Keywords{"WITH"}));
  EXPECT_EQ(StatementKeywords("SELECT ';COMMIT' AS v; SELECT \"a;b\" FROM t"),
            (Keywords{"SELECT", "SELECT"}));
  EXPECT_EQ(StatementKeywords("SELECT $x$ ; SET $x$ AS v, $1"), (Keywords{"SELECT"}));
  EXPECT_EQ(StatementKeywords("SELECT 'it''s; fine'; commit; set role pg_monitor; select 1"),
            (Keywords{"SELECT", "COMMIT", "SET", "SELECT"}));
  EXPECT_EQ(StatementKeywords("(SELECT 1) UNION (SELECT 2);;  "), (Keywords{"("}));
}

TEST(SqlStatementsTest, OnlyRowReturningStatementsAreAccepted) {
  for (const char* ok : {"SELECT 1", "with x as (select 1) select * from x", "SHOW SLAVE STATUS",
                         "VALUES (1)", "TABLE t", "EXPLAIN SELECT 1", "SELECT 1; SELECT 2;"}) {
    EXPECT_EQ(RowlessStatementError(ok), "") << ok;
  }
  EXPECT_NE(RowlessStatementError("SET @@session.sql_select_limit = 1").find(
                "the statement starts with SET: a catalog query must return rows"),
            std::string::npos);
  EXPECT_NE(RowlessStatementError("DEALLOCATE ALL").find("starts with DEALLOCATE"),
            std::string::npos);
  EXPECT_NE(RowlessStatementError("SELECT 1 AS v; COMMIT; SET ROLE pg_monitor; SELECT 1 AS v")
                .find("statement 2 starts with COMMIT"),
            std::string::npos);
  EXPECT_NE(RowlessStatementError("/* hidden */ begin; select 1").find("starts with BEGIN"),
            std::string::npos);
}

}  // namespace
}  // namespace rse
