#include "config/web_config.h"

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cstring>
#include <filesystem>
#include <set>

#include "base/read_file.h"
#include "base/utf8.h"

namespace rse {
namespace {

constexpr const char* kTlsVersions[] = {"TLS10", "TLS11", "TLS12", "TLS13"};

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
std::optional<std::string> Scalar(const YAML::Node& node, const std::string& key,
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

std::string Resolve(const std::string& path, const std::string& base_dir) {
  if (path.empty() || path.front() == '/' || base_dir.empty()) return path;
  return (std::filesystem::path(base_dir) / path).string();
}

void CheckReadable(const YAML::Node& at, const std::string& key, const std::string& path,
                   Problems& problems) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    problems.Add(at, key, "'" + path + "' is a directory, not a file");
  } else if (access(path.c_str(), R_OK) != 0) {
    problems.Add(at, key, "cannot read '" + path + "': " + std::strerror(errno));
  }
}

std::optional<ClientAuth> ParseClientAuth(const std::string& name) {
  static const std::pair<const char*, ClientAuth> kNames[] = {
      {"", ClientAuth::kNoClientCert},
      {"NoClientCert", ClientAuth::kNoClientCert},
      {"RequestClientCert", ClientAuth::kRequestClientCert},
      {"RequireAnyClientCert", ClientAuth::kRequireAnyClientCert},
      {"VerifyClientCertIfGiven", ClientAuth::kVerifyClientCertIfGiven},
      {"RequireAndVerifyClientCert", ClientAuth::kRequireAndVerifyClientCert},
  };
  for (const auto& [text, auth] : kNames) {
    if (name == text) return auth;
  }
  return std::nullopt;
}

bool IsTlsVersion(const std::string& name) {
  for (const char* version : kTlsVersions) {
    if (name == version) return true;
  }
  return false;
}

int TlsVersionRank(const std::string& name) {
  for (int i = 0; i < 4; ++i) {
    if (name == kTlsVersions[i]) return i;
  }
  return -1;
}

void ParseTls(const YAML::Node& node, const std::string& base_dir, WebSecurityConfig& out,
              Problems& problems) {
  const std::string section = "tls_server_config.";
  if (node.IsNull()) return;
  TlsServerConfig tls;
  // Marks, not Nodes: assigning a YAML::Node overwrites the node it refers to.
  YAML::Mark ca_at = node.Mark();
  bool has_cert = false, has_key = false;
  ForEachKey(node, section, problems,
             [&](const std::string& key, const YAML::Node& key_node, const YAML::Node& value) {
               const std::string name = section + key;
               if (key == "cert_file" || key == "key_file" || key == "client_ca_file") {
                 auto text = Scalar(value, name, problems);
                 if (!text || text->empty()) {
                   if (text) problems.Add(value, name, "must not be empty");
                   return;
                 }
                 std::string path = Resolve(*text, base_dir);
                 if (key == "cert_file") tls.cert_file = path, has_cert = true;
                 if (key == "key_file") tls.key_file = path, has_key = true;
                 if (key == "client_ca_file") tls.client_ca_file = path, ca_at = key_node.Mark();
                 CheckReadable(key_node, name, path, problems);
               } else if (key == "client_auth_type") {
                 auto text = Scalar(value, name, problems);
                 if (!text) return;
                 auto auth = ParseClientAuth(*text);
                 if (!auth) {
                   problems.Add(value, name,
                                "unknown value '" + *text +
                                    "'; use NoClientCert, RequestClientCert, "
                                    "RequireAnyClientCert, VerifyClientCertIfGiven or "
                                    "RequireAndVerifyClientCert");
                   return;
                 }
                 tls.client_auth = *auth;
               } else if (key == "min_version" || key == "max_version") {
                 auto text = Scalar(value, name, problems);
                 if (!text) return;
                 if (!IsTlsVersion(*text)) {
                   problems.Add(value, name,
                                "unknown TLS version '" + *text + "'; use TLS10, TLS11, TLS12 or TLS13");
                   return;
                 }
                 (key == "min_version" ? tls.min_version : tls.max_version) = *text;
               } else if (key == "cert" || key == "key" || key == "client_ca" ||
                          key == "cipher_suites" || key == "curve_preferences" ||
                          key == "prefer_server_cipher_suites" || key == "client_allowed_sans") {
                 problems.Add(key_node, name,
                              "is an exporter-toolkit setting replica_sql_exporter does not "
                              "support; remove it (certificates and keys go in cert_file and "
                              "key_file; OpenSSL's default cipher suites and curves are used)");
               } else {
                 problems.Add(key_node, name, "unknown key");
               }
             });
  if (!node.IsMap()) return;
  if (!has_cert) problems.Add(node, section + "cert_file", "is required with tls_server_config");
  if (!has_key) problems.Add(node, section + "key_file", "is required with tls_server_config");
  const bool verifies = tls.client_auth == ClientAuth::kVerifyClientCertIfGiven ||
                        tls.client_auth == ClientAuth::kRequireAndVerifyClientCert;
  if (verifies && tls.client_ca_file.empty()) {
    problems.Add(node, section + "client_ca_file",
                 std::string("is required with client_auth_type ") +
                     ClientAuthName(tls.client_auth));
  }
  if (!tls.client_ca_file.empty() && tls.client_auth == ClientAuth::kNoClientCert) {
    problems.Add(ca_at, section + "client_ca_file",
                 "is set but client_auth_type is NoClientCert: set client_auth_type "
                 "(RequireAndVerifyClientCert to require client certificates)");
  }
  if (TlsVersionRank(tls.min_version) > TlsVersionRank(tls.max_version)) {
    problems.Add(node, section + "min_version",
                 tls.min_version + " is above max_version " + tls.max_version);
  }
  out.tls = tls;
}

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
