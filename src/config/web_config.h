// --web.config.file: the exporter-toolkit web-config.yml format (TLS server
// settings, basic-auth users with bcrypt hashes, response headers), so users
// reuse the files of Prometheus' own exporters. Unknown keys are errors.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace rse {

// Go's tls.ClientAuthType names, as exporter-toolkit spells them.
enum class ClientAuth {
  kNoClientCert,
  kRequestClientCert,
  kRequireAnyClientCert,
  kVerifyClientCertIfGiven,
  kRequireAndVerifyClientCert,
};

const char* ClientAuthName(ClientAuth auth);

struct TlsServerConfig {
  std::string cert_file;       // Resolved against the web config's directory.
  std::string key_file;        // Same.
  std::string client_ca_file;  // Same; empty when not set.
  ClientAuth client_auth = ClientAuth::kNoClientCert;
  std::string min_version = "TLS12";  // TLS10 .. TLS13
  std::string max_version = "TLS13";

  bool operator==(const TlsServerConfig&) const = default;
};

struct WebSecurityConfig {
  std::string source;  // The file it came from; empty for the built-in default (plain HTTP).
  std::optional<TlsServerConfig> tls;
  std::map<std::string, std::string> basic_auth_users;  // user -> bcrypt hash
  std::vector<std::pair<std::string, std::string>> headers;  // http_server_config.headers
  std::vector<std::string> warnings;                         // Accepted, without effect.
};

// Loads and checks `path`: every problem at once, each as "file:line: key: message".
// Certificate and key files must exist and be readable (they are loaded again,
// and checked to match, when the server starts or reloads).
StatusOr<WebSecurityConfig> LoadWebConfig(const std::string& path);

// Same for text already in memory; relative paths resolve against `base_dir`.
StatusOr<WebSecurityConfig> ParseWebConfig(const std::string& text, const std::string& name,
                                           const std::string& base_dir);

}  // namespace rse
