#include "db/sql_text.h"

#include <cctype>

namespace rse {

std::string_view WithoutTrailingSemicolons(std::string_view sql) {
  while (!sql.empty() &&
         (sql.back() == ';' || std::isspace(static_cast<unsigned char>(sql.back()))))
    sql.remove_suffix(1);
  return sql;
}

std::string StatementOnOwnLines(std::string_view sql) {
  // Appended piece by piece: GCC 12 at -O2 warns (-Wrestrict, a false
  // positive) on "\n" + std::string(...).
  const std::string_view body = WithoutTrailingSemicolons(sql);
  std::string statement;
  statement.reserve(body.size() + 2);
  statement += '\n';
  statement += body;
  statement += '\n';
  return statement;
}

}  // namespace rse
