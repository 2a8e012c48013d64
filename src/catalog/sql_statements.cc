#include "catalog/sql_statements.h"

#include <algorithm>
#include <cctype>

namespace rse {
namespace {

// Keywords a row-returning statement starts with, on both engines.
constexpr std::string_view kRowKeywords[] = {"SELECT", "WITH",    "SHOW", "VALUES", "TABLE",
                                             "EXPLAIN", "DESCRIBE", "DESC", "("};

bool IsWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Index just past the quoted run that starts at `i` (sql[i] is the opening
// quote or the '$' of a dollar tag), or sql.size() when it never closes.
size_t SkipQuoted(std::string_view sql, size_t i) {
  const char quote = sql[i];
  if (quote == '$') {
    size_t tag_end = sql.find('$', i + 1);
    if (tag_end == std::string_view::npos) return sql.size();
    const std::string_view tag = sql.substr(i, tag_end - i + 1);
    size_t close = sql.find(tag, tag_end + 1);
    return close == std::string_view::npos ? sql.size() : close + tag.size();
  }
  for (size_t j = i + 1; j < sql.size(); ++j) {
    if (sql[j] == '\\' && quote != '`') {
      ++j;  // MySQL escapes; harmless for PostgreSQL's standard strings.
    } else if (sql[j] == quote) {
      if (j + 1 < sql.size() && sql[j + 1] == quote) {
        ++j;  // A doubled quote inside.
      } else {
        return j + 1;
      }
    }
  }
  return sql.size();
}

// A dollar tag: "$$" or "$name$" where name is an identifier (not "$1").
bool IsDollarTag(std::string_view sql, size_t i) {
  size_t j = i + 1;
  if (j < sql.size() && std::isdigit(static_cast<unsigned char>(sql[j]))) return false;
  while (j < sql.size() && IsWordChar(sql[j])) ++j;
  return j < sql.size() && sql[j] == '$';
}

}  // namespace

std::vector<std::string> StatementKeywords(std::string_view sql) {
  std::vector<std::string> keywords;
  bool at_start = true;  // No keyword yet in the current statement.
  size_t i = 0;
  while (i < sql.size()) {
    const char c = sql[i];
    if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      size_t end = sql.find('\n', i);
      i = end == std::string_view::npos ? sql.size() : end + 1;
    } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      size_t end = sql.find("*/", i + 2);
      i = end == std::string_view::npos ? sql.size() : end + 2;
    } else if (c == ';') {
      at_start = true;
      ++i;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '\'' || c == '"' || c == '`' || (c == '$' && IsDollarTag(sql, i))) {
      if (at_start) {
        keywords.push_back(std::string(1, c));
        at_start = false;
      }
      i = SkipQuoted(sql, i);
    } else if (at_start) {
      size_t end = i;
      while (end < sql.size() && IsWordChar(sql[end])) ++end;
      if (end == i) end = i + 1;  // "(" or another sign.
      std::string word(sql.substr(i, end - i));
      std::transform(word.begin(), word.end(), word.begin(),
                     [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
      keywords.push_back(std::move(word));
      at_start = false;
      i = end;
    } else {
      ++i;
    }
  }
  return keywords;
}

std::string RowlessStatementError(std::string_view sql) {
  const std::vector<std::string> keywords = StatementKeywords(sql);
  for (size_t n = 0; n < keywords.size(); ++n) {
    const std::string& keyword = keywords[n];
    if (std::find(std::begin(kRowKeywords), std::end(kRowKeywords), keyword) !=
        std::end(kRowKeywords))
      continue;
    std::string which = keywords.size() == 1 ? "the statement" : "statement " + std::to_string(n + 1);
    return which + " starts with " + keyword +
           ": a catalog query must return rows (SELECT, WITH, SHOW, VALUES, TABLE, EXPLAIN); "
           "session and transaction control (SET, COMMIT, DEALLOCATE, ...) would outlive the "
           "query on its session";
  }
  return "";
}

}  // namespace rse
