// Typed reads of one TOML table's fields. Each problem is appended to an error
// list as "file:line: <context><key>: <message>", so a loader can report every
// mistake in a file at once. Unknown keys are errors, never silently ignored.
#pragma once

#include <toml++/toml.h>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "config/key_docs.h"

namespace rse {

class TableReader {
 public:
  // `context` prefixes every key in messages, e.g. "[cluster] " or
  // "query 'orders': metrics[0].". `errors` must outlive the reader.
  TableReader(const toml::table& table, std::string file, std::string context,
              std::vector<std::string>* errors);

  bool Has(std::string_view key) const { return table_.contains(key); }
  const toml::table& table() const { return table_; }

  // Each returns nullopt when the key is absent (an error if `required`) or
  // has the wrong type (always an error).
  std::optional<std::string> String(std::string_view key, bool required = false);
  std::optional<int64_t> Integer(std::string_view key, int64_t min, int64_t max);
  std::optional<double> Number(std::string_view key);
  std::optional<std::chrono::milliseconds> Duration(std::string_view key);
  std::optional<std::vector<std::string>> StringArray(std::string_view key,
                                                      std::string_view expected);
  std::optional<std::map<std::string, std::string>> StringTable(std::string_view key);
  const toml::table* Table(std::string_view key);
  const toml::array* TableArray(std::string_view key);

  void RejectUnknownKeys(std::initializer_list<std::string_view> known);
  // The keys `doc` lists (config/key_docs.h): the same names `generate
  // schema` describes.
  void RejectUnknownKeys(const TableDoc& doc);
  void RejectUnknownKeys(const std::vector<std::string_view>& known);

  // Records "<file>:<line of key's value, else of the table>: <context><key>: <message>".
  void Error(std::string_view key, std::string_view message);
  // Same, at an explicit node (for array elements).
  void ErrorAt(const toml::node& node, std::string_view key, std::string_view message);

  // "<file>:<line>: " for a node, used to build context for nested tables.
  std::string Where(const toml::node& node) const;

 private:
  const toml::table& table_;
  const std::string file_;
  const std::string context_;
  std::vector<std::string>* const errors_;
};

// Parses TOML text named `name` (its file) and turns a syntax error into
// "file:line:column: message".
StatusOr<toml::table> ParseTomlText(std::string_view text, const std::string& name);

// Joins a loader's error list into one InvalidArgument (OK when empty).
Status ErrorsToStatus(const std::vector<std::string>& errors);

}  // namespace rse
