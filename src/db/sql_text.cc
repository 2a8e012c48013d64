#include "db/sql_text.h"

#include <cctype>

namespace rse {

std::string_view WithoutTrailingSemicolons(std::string_view sql) {
  while (!sql.empty() &&
         (sql.back() == ';' || std::isspace(static_cast<unsigned char>(sql.back()))))
    sql.remove_suffix(1);
  return sql;
}

}  // namespace rse
