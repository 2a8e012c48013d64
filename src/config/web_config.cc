#include "config/web_config.h"

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cstring>
#include <filesystem>
#include <set>

#include "base/read_file.h"
#include "base/utf8.h"
#include "config/web_config_fields.h"

namespace rse {
namespace {

using web_config_internal::ForEachKey;
using web_config_internal::ParseTls;
using web_config_internal::Problems;
using web_config_internal::Scalar;

bool IsBcryptHash(const std::string& hash) {
  // "$2a$", "$2b$" or "$2y$", a two-digit cost, "$", 53 characters of salt and hash.
  if (hash.size() != 60 || hash[0] != '$' || hash[1] != '2' || hash[3] != '$' || hash[6] != '$')
    return false;
  if (hash[2] != 'a' && hash[2] != 'b' && hash[2] != 'y') return false;
  if (!std::isdigit(static_cast<unsigned char>(hash[4])) ||
      !std::isdigit(static_cast<unsigned char>(hash[5])))
    return false;
  const int cost = (hash[4] - '0') * 10 + (hash[5] - '0');
  if (cost < 4 || cost > 31) return false;
  for (size_t i = 7; i < hash.size(); ++i) {
    const char c = hash[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '/') return false;
  }
  return true;
}

void ParseUsers(const YAML::Node& node, WebSecurityConfig& out, Problems& problems) {
  const std::string section = "basic_auth_users.";
  ForEachKey(node, section, problems,
             [&](const std::string& user, const YAML::Node& key_node, const YAML::Node& value) {
               const std::string name = section + user;
               if (user.empty() || user.find(':') != std::string::npos ||
                   FirstInvalidUtf8(user) != std::string_view::npos) {
                 problems.Add(key_node, name,
                              "a user name must be non-empty UTF-8 without ':'");
                 return;
               }
               auto hash = Scalar(value, name, problems);
               if (!hash) return;
               // Never echo the value: a user may have pasted a password by mistake.
               if (!IsBcryptHash(*hash)) {
                 problems.Add(value, name,
                              "must be a bcrypt hash ($2y$, $2b$ or $2a$, 60 characters), e.g. "
                              "from 'htpasswd -nBC 10 \"\" | tr -d :'; the value is not shown");
                 return;
               }
               out.basic_auth_users[user] = *hash;
             });
}

void ParseHttp(const YAML::Node& node, WebSecurityConfig& out, Problems& problems) {
  const std::string section = "http_server_config.";
  ForEachKey(node, section, problems,
             [&](const std::string& key, const YAML::Node& key_node, const YAML::Node& value) {
               const std::string name = section + key;
               if (key == "http2") {
                 if (!value.IsScalar() || (value.Scalar() != "true" && value.Scalar() != "false")) {
                   problems.Add(value, name, "must be true or false");
                 } else if (value.Scalar() == "true") {
                   out.warnings.push_back(name + ": the exporter serves HTTP/1.1 only; ignored");
                 }
               } else if (key == "headers") {
                 ForEachKey(value, name + ".", problems,
                            [&](const std::string& header, const YAML::Node& header_node,
                                const YAML::Node& header_value) {
                              auto text = Scalar(header_value, name + "." + header, problems);
                              if (!text) return;
                              bool ok = !header.empty();
                              for (char c : header) ok = ok && c > 32 && c < 127 && c != ':';
                              for (char c : *text) ok = ok && c != '\r' && c != '\n' && c != '\0';
                              if (!ok) {
                                problems.Add(header_node, name + "." + header,
                                             "not a valid header name or value");
                                return;
                              }
                              out.headers.emplace_back(header, *text);
                            });
               } else {
                 problems.Add(key_node, name, "unknown key");
               }
             });
}

}  // namespace

const char* ClientAuthName(ClientAuth auth) {
  switch (auth) {
    case ClientAuth::kNoClientCert: return "NoClientCert";
    case ClientAuth::kRequestClientCert: return "RequestClientCert";
    case ClientAuth::kRequireAnyClientCert: return "RequireAnyClientCert";
    case ClientAuth::kVerifyClientCertIfGiven: return "VerifyClientCertIfGiven";
    case ClientAuth::kRequireAndVerifyClientCert: return "RequireAndVerifyClientCert";
  }
  return "?";
}

StatusOr<WebSecurityConfig> ParseWebConfig(const std::string& text, const std::string& name,
                                           const std::string& base_dir) {
  if (auto bad = FirstInvalidUtf8(text); bad != std::string_view::npos) {
    return Status::InvalidArgument(name + ": not valid UTF-8 at byte " + std::to_string(bad));
  }
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    std::string line = e.mark.is_null() ? "" : ":" + std::to_string(e.mark.line + 1);
    return Status::InvalidArgument(name + line + ": invalid YAML: " + e.msg);
  }
  WebSecurityConfig out;
  out.source = name;
  Problems problems(name);
  try {
    if (!root.IsNull() && !root.IsMap()) {
      problems.Add(root, "web config", "must be a mapping of tls_server_config, "
                                       "basic_auth_users and http_server_config");
    } else {
      ForEachKey(root, "", problems,
                 [&](const std::string& key, const YAML::Node& key_node, const YAML::Node& value) {
                   if (key == "tls_server_config") {
                     ParseTls(value, base_dir, out, problems);
                   } else if (key == "basic_auth_users") {
                     ParseUsers(value, out, problems);
                   } else if (key == "http_server_config") {
                     ParseHttp(value, out, problems);
                   } else {
                     problems.Add(key_node, key,
                                  "unknown key; expected tls_server_config, basic_auth_users or "
                                  "http_server_config");
                   }
                 });
    }
  } catch (const YAML::Exception& e) {
    std::string line = e.mark.is_null() ? "" : ":" + std::to_string(e.mark.line + 1);
    return Status::InvalidArgument(name + line + ": " + e.msg);
  }
  if (!problems.empty()) return problems.ToStatus();
  return out;
}

StatusOr<WebSecurityConfig> LoadWebConfig(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return Status::InvalidArgument(path + ": is a directory, not a web config file");
  }
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  return ParseWebConfig(*text, path, std::filesystem::path(path).parent_path().string());
}

}  // namespace rse
