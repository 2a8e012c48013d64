// Internal to config/: what the web config's parts share (its problem list,
// typed reads of YAML nodes) and the tls_server_config part
// (web_config_tls.cc). Used by web_config.cc and web_config_tls.cc only.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <set>
#include <string>

#include "base/status.h"
#include "config/web_config.h"

namespace rse::web_config_internal {

// Collects every problem of one file, each with its position.
class Problems {
 public:
  explicit Problems(std::string name) : name_(std::move(name)) {}
  void Add(const YAML::Node& at, const std::string& key, const std::string& message) {
    Add(at.Mark(), key, message);
  }
  void Add(const YAML::Mark& mark, const std::string& key, const std::string& message) {
    // Appended piece by piece: `":" + std::to_string(...)` makes GCC 12 at -O2
    // warn a false -Wrestrict (GCC bug 105329).
    text_ += name_;
    if (!mark.is_null()) {
      text_ += ':';
      text_ += std::to_string(mark.line + 1);
    }
    text_ += ": ";
    text_ += key;
    text_ += ": ";
    text_ += message;
    text_ += '\n';
  }
  bool empty() const { return text_.empty(); }
  Status ToStatus() const {
    std::string text = text_;
    if (!text.empty() && text.back() == '\n') text.pop_back();
    return Status::InvalidArgument(text);
  }

 private:
  std::string name_;
  std::string text_;
};

// The string value of a scalar; a problem (and nullopt) for anything else.
inline std::optional<std::string> Scalar(const YAML::Node& node, const std::string& key,
                                  Problems& problems) {
  if (!node.IsScalar()) {
    problems.Add(node, key, "must be a string");
    return std::nullopt;
  }
  return node.Scalar();
}

// Iterates a mapping, reporting duplicate and non-string keys.
template <typename Fn>
void ForEachKey(const YAML::Node& map, const std::string& where, Problems& problems, Fn fn) {
  if (map.IsNull()) return;
  if (!map.IsMap()) {
    problems.Add(map, where, "must be a mapping");
    return;
  }
  std::set<std::string> seen;
  for (const auto& entry : map) {
    if (!entry.first.IsScalar()) {
      problems.Add(entry.first, where, "keys must be strings");
      continue;
    }
    const std::string key = entry.first.Scalar();
    if (!seen.insert(key).second) {
      problems.Add(entry.first, where + key, "duplicate key");
      continue;
    }
    fn(key, entry.first, entry.second);
  }
}

// tls_server_config: certificate, key, client CA, client auth, versions,
// ciphers; every problem to `problems` (web_config_tls.cc).
void ParseTls(const YAML::Node& node, const std::string& base_dir, WebSecurityConfig& out,
              Problems& problems);

}  // namespace rse::web_config_internal
