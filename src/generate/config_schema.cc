#include "generate/config_schema.h"

#include <nlohmann/json.hpp>

#include "config/key_docs.h"

namespace rse {
namespace {

using Json = nlohmann::ordered_json;

// base/duration.h: <number><unit>... with units ms, s, m, h, d, w, or "0".
constexpr const char* kDurationPattern = "^(0|([0-9]+(\\.[0-9]+)?(ms|s|m|h|d|w))+)$";

Json TableSchema(const TableDoc& doc);

Json KeySchema(const KeyDoc& key) {
  Json out;
  out["description"] = std::string(key.description);
  switch (key.kind) {
    case KeyKind::kString:
      out["type"] = "string";
      if (!key.choices.empty()) {
        Json choices = Json::array();
        for (std::string_view choice : key.choices) choices.push_back(std::string(choice));
        out["enum"] = choices;
      }
      if (!key.pattern.empty()) out["pattern"] = std::string(key.pattern);
      break;
    case KeyKind::kInteger:
      out["type"] = "integer";
      if (key.min) out["minimum"] = *key.min;
      if (key.max) out["maximum"] = *key.max;
      break;
    case KeyKind::kNumber:
      out["type"] = "number";
      break;
    case KeyKind::kDuration:
      out["type"] = "string";
      out["pattern"] = kDurationPattern;
      break;
    case KeyKind::kStringArray: {
      Json item{{"type", "string"}};
      if (!key.pattern.empty()) item["pattern"] = std::string(key.pattern);
      out["type"] = "array";
      out["items"] = item;
      break;
    }
    case KeyKind::kStringMap:
      out["type"] = "object";
      out["additionalProperties"] = {{"type", "string"}};
      break;
    case KeyKind::kStringsOrMap:
      out["type"] = {"array", "object"};
      out["items"] = {{"type", "string"}};
      out["additionalProperties"] = {{"type", "string"}};
      break;
    case KeyKind::kSettingsMap:
      out["type"] = "object";
      out["additionalProperties"] = {{"type", {"string", "number", "boolean"}}};
      break;
    case KeyKind::kTable: {
      Json table = TableSchema(*key.table);
      table["description"] = out["description"];
      return table;
    }
    case KeyKind::kTableArray:
      out["type"] = "array";
      out["items"] = TableSchema(*key.table);
      break;
  }
  return out;
}

Json TableSchema(const TableDoc& doc) {
  Json out{{"type", "object"}, {"description", std::string(doc.description)}};
  // Unknown keys are errors at load, so the schema says so too.
  out["additionalProperties"] = false;
  Json properties = Json::object();
  Json required = Json::array();
  for (const KeyDoc& key : doc.keys) {
    properties[std::string(key.name)] = KeySchema(key);
    if (key.required) required.push_back(std::string(key.name));
  }
  out["properties"] = properties;
  if (!required.empty()) out["required"] = required;
  return out;
}

std::string Document(const TableDoc& doc, const char* file) {
  Json schema{{"$schema", "http://json-schema.org/draft-07/schema#"},
              {"$id", std::string("https://replica-sql-exporter.invalid/") + file},
              {"title", std::string(doc.name)}};
  const Json table = TableSchema(doc);  // Named: items() of a temporary would dangle.
  for (const auto& [key, value] : table.items()) schema[key] = value;
  return schema.dump(2) + "\n";
}

}  // namespace

std::string ExporterConfigSchema() { return Document(ExporterConfigDoc(), kConfigSchemaFile); }
std::string QueryFileSchema() { return Document(QueryFileDoc(), kQueriesSchemaFile); }

}  // namespace rse
