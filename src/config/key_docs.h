// The keys a TOML table of ours accepts, each with its type and a one-line
// description: the one list the loaders reject unknown keys against and the
// JSON Schemas of `generate schema` are written from, so that an editor's
// completion and the loader's errors name the same fields.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace rse {

enum class KeyKind {
  kString,
  kInteger,
  kNumber,
  kDuration,        // "500ms", "10s", "1h30m"...
  kStringArray,
  kStringMap,       // { key = "value", ... }
  kStringsOrMap,    // ["a", "b"] or { a = "x", ... }
  kSettingsMap,     // { name = number | boolean | "string", ... }
  kTable,           // [name]
  kTableArray,      // [[name]]
};

struct TableDoc;

struct KeyDoc {
  std::string_view name;
  KeyKind kind;
  std::string_view description;
  bool required = false;
  std::vector<std::string_view> choices = {};  // A string that must be one of these.
  std::optional<int64_t> min = {}, max = {};   // An integer's bounds.
  std::string_view pattern = {};               // A string's (or each array element's) regex.
  const TableDoc* table = nullptr;             // kTable, kTableArray: its keys.
};

struct TableDoc {
  std::string_view name;  // As written in the file ("cluster", "query.metrics"...).
  std::string_view description;
  std::vector<KeyDoc> keys;
};

// The exporter config file: its top-level sections.
const TableDoc& ExporterConfigDoc();
// A query file: [[query]] (with [[query.metrics]], [query.settings]) and [[snapshot]].
const TableDoc& QueryFileDoc();

// The table named `name` ("cluster", "query", "query.metrics", "snapshot"...)
// of either document; aborts when it does not exist (a programming error).
const TableDoc& TableDocNamed(std::string_view name);

}  // namespace rse
