// The tls_server_config part of the web config: the server's certificate
// and key, client certificates, TLS versions and ciphers.
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "config/web_config_fields.h"

namespace rse::web_config_internal {
namespace {

constexpr const char* kTlsVersions[] = {"TLS10", "TLS11", "TLS12", "TLS13"};

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

// The settings that go together: a certificate with its key, a client CA
// with an auth type that verifies, the versions in order.
void CheckTlsTogether(const YAML::Node& node, const YAML::Mark& ca_at, bool has_cert, bool has_key,
                      const TlsServerConfig& tls, Problems& problems) {
  const std::string section = "tls_server_config.";
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
}

}  // namespace

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
  CheckTlsTogether(node, ca_at, has_cert, has_key, tls, problems);
  out.tls = tls;
}

}  // namespace rse::web_config_internal
