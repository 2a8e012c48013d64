#include "config/toml_fields.h"

#include <sstream>

#include "base/duration.h"

namespace rse {
namespace {

std::string_view TypeName(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::array: return "an array";
    case toml::node_type::table: return "a table";
    default: return "a date/time";
  }
}

StatusOr<toml::table> Parse(std::string_view text, const std::string& name) {
  try {
    return toml::parse(text, std::string_view(name));
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << name << ":" << e.source().begin.line << ":" << e.source().begin.column << ": "
        << e.description();
    return Status::InvalidArgument(msg.str());
  }
}

}  // namespace

TableReader::TableReader(const toml::table& table, std::string file, std::string context,
                         std::vector<std::string>* errors)
    : table_(table), file_(std::move(file)), context_(std::move(context)), errors_(errors) {}

std::string TableReader::Where(const toml::node& node) const {
  auto line = node.source().begin.line;
  return file_ + ":" + std::to_string(line == 0 ? 1 : line) + ": ";
}

void TableReader::ErrorAt(const toml::node& node, std::string_view key, std::string_view message) {
  errors_->push_back(Where(node) + context_ + std::string(key) + ": " + std::string(message));
}

void TableReader::Error(std::string_view key, std::string_view message) {
  const toml::node* node = table_.get(key);
  ErrorAt(node ? *node : static_cast<const toml::node&>(table_), key, message);
}

std::optional<std::string> TableReader::String(std::string_view key, bool required) {
  const toml::node* node = table_.get(key);
  if (!node) {
    if (required) Error(key, "required");
    return std::nullopt;
  }
  if (!node->is_string()) {
    Error(key, "expected a string, got " + std::string(TypeName(*node)));
    return std::nullopt;
  }
  return node->as_string()->get();
}

std::optional<int64_t> TableReader::Integer(std::string_view key, int64_t min, int64_t max) {
  const toml::node* node = table_.get(key);
  if (!node) return std::nullopt;
  if (!node->is_integer()) {
    Error(key, "expected an integer, got " + std::string(TypeName(*node)));
    return std::nullopt;
  }
  int64_t v = node->as_integer()->get();
  if (v < min || v > max) {
    Error(key, "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " +
                   std::to_string(v));
    return std::nullopt;
  }
  return v;
}

std::optional<double> TableReader::Number(std::string_view key) {
  const toml::node* node = table_.get(key);
  if (!node) return std::nullopt;
  if (auto v = node->value<double>(); v && (node->is_integer() || node->is_floating_point()))
    return *v;
  Error(key, "expected a number, got " + std::string(TypeName(*node)));
  return std::nullopt;
}

std::optional<std::chrono::milliseconds> TableReader::Duration(std::string_view key) {
  auto text = String(key);
  if (!text) return std::nullopt;
  auto parsed = ParseDuration(*text);
  if (!parsed.ok()) {
    Error(key, parsed.status().message());
    return std::nullopt;
  }
  return *parsed;
}

std::optional<std::vector<std::string>> TableReader::StringArray(std::string_view key,
                                                                 std::string_view expected) {
  const toml::node* node = table_.get(key);
  if (!node) return std::nullopt;
  const std::string complaint = "expected an array of " + std::string(expected);
  if (!node->is_array()) {
    Error(key, complaint + ", got " + std::string(TypeName(*node)));
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (const toml::node& element : *node->as_array()) {
    if (!element.is_string()) {
      ErrorAt(element, key, complaint + ", found " + std::string(TypeName(element)));
      return std::nullopt;
    }
    out.push_back(element.as_string()->get());
  }
  return out;
}

std::optional<std::map<std::string, std::string>> TableReader::StringTable(std::string_view key) {
  const toml::node* node = table_.get(key);
  if (!node) return std::nullopt;
  if (!node->is_table()) {
    Error(key, "expected a table of strings, got " + std::string(TypeName(*node)));
    return std::nullopt;
  }
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : *node->as_table()) {
    if (!v.is_string()) {
      ErrorAt(v, std::string(key) + "." + std::string(k.str()),
              "expected a string, got " + std::string(TypeName(v)));
      return std::nullopt;
    }
    out.emplace(std::string(k.str()), v.as_string()->get());
  }
  return out;
}

const toml::table* TableReader::Table(std::string_view key) {
  const toml::node* node = table_.get(key);
  if (!node) return nullptr;
  if (!node->is_table()) {
    Error(key, "expected a table, got " + std::string(TypeName(*node)));
    return nullptr;
  }
  return node->as_table();
}

const toml::array* TableReader::TableArray(std::string_view key) {
  const toml::node* node = table_.get(key);
  if (!node) return nullptr;
  if (!node->is_array_of_tables()) {
    Error(key, "expected an array of tables ([[" + std::string(key) + "]]), got " +
                   std::string(TypeName(*node)));
    return nullptr;
  }
  return node->as_array();
}

void TableReader::RejectUnknownKeys(std::initializer_list<std::string_view> known) {
  RejectUnknownKeys(std::vector<std::string_view>(known));
}

void TableReader::RejectUnknownKeys(const TableDoc& doc) {
  std::vector<std::string_view> known;
  for (const KeyDoc& key : doc.keys) known.push_back(key.name);
  RejectUnknownKeys(known);
}

void TableReader::RejectUnknownKeys(const std::vector<std::string_view>& known) {
  for (const auto& [k, v] : table_) {
    bool is_known = false;
    for (std::string_view name : known) is_known = is_known || k.str() == name;
    if (is_known) continue;
    std::string list;
    for (std::string_view name : known) list += (list.empty() ? "" : ", ") + std::string(name);
    auto line = k.source().begin.line;
    errors_->push_back(file_ + ":" + std::to_string(line == 0 ? 1 : line) + ": " + context_ +
                       std::string(k.str()) + ": unknown key (known keys: " + list + ")");
  }
}

StatusOr<toml::table> ParseTomlText(std::string_view text, const std::string& name) {
  return Parse(text, name);
}

Status ErrorsToStatus(const std::vector<std::string>& errors) {
  if (errors.empty()) return Status::Ok();
  std::string joined;
  for (const auto& e : errors) joined += (joined.empty() ? "" : "\n") + e;
  return Status::InvalidArgument(joined);
}

}  // namespace rse
