// Small transformations of a catalog query's text that both backends need
// before framing it with statements of their own.
#pragma once

#include <string>
#include <string_view>

namespace rse {

// `sql` without trailing semicolons and blanks: what follows it in a framing
// (MariaDB's SET STATEMENT ... FOR, PostgreSQL's ROLLBACK) must not become a
// statement of its own, nor be ended early.
std::string_view WithoutTrailingSemicolons(std::string_view sql);

// `sql` without trailing semicolons, on lines of its own: a trailing
// "-- comment" must not swallow the framing that follows it.
std::string StatementOnOwnLines(std::string_view sql);

}  // namespace rse
