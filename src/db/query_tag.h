// How a running catalog query names itself to DBAs, so it can be found in
// pg_stat_activity, the processlist and the slow log. Characters other than
// [A-Za-z0-9_.-] are dropped, so a tag can never close the comment or the
// quoted string it is placed in.
#pragma once

#include <string>
#include <string_view>

namespace rse {

// "replica_sql_exporter/<name>" (PostgreSQL application_name, set per query);
// just "replica_sql_exporter" for an empty name.
std::string QueryApplicationName(std::string_view name);

// "/* replica_sql_exporter query=<name> */ " (MySQL/MariaDB, leading the
// statement); empty for an empty name.
std::string QueryComment(std::string_view name);

}  // namespace rse
