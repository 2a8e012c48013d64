// What a catalog query's SQL may be: statements that return rows. Session and
// transaction control (SET, COMMIT, DEALLOCATE, ...) would outlive the query
// on its session, or change what the exporter's own statements rely on, so it
// is refused when the catalog loads, before any server is contacted.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace rse {

// The first keyword of each statement in `sql`, upper-cased, skipping
// comments (-- and /* */) and never splitting inside quotes ('', "", ``, and
// PostgreSQL's $tag$ strings). A statement that starts with "(" gives "(".
std::vector<std::string> StatementKeywords(std::string_view sql);

// Empty when every statement returns rows; else why not, naming the statement:
// "statement 2 starts with COMMIT: ...".
std::string RowlessStatementError(std::string_view sql);

}  // namespace rse
