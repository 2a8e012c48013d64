#include "config/cluster_password.h"

#include "config/password.h"
#include "config/password_command.h"

namespace rse {

void ReadClusterPassword(TableReader& r, const std::string& base_dir, ClusterConfig& cluster,
                         std::vector<std::string>& warnings, ConfigChecks checks) {
  int given = r.Has("password") + r.Has("password_file") + r.Has("password_env") +
              r.Has("password_command");
  if (given > 1) {
    r.Error(r.Has("password_command") ? "password_command"
            : r.Has("password_env")   ? "password_env"
                                      : "password_file",
            "set only one of password_file, password_env, password_command and password");
    return;
  }
  for (const char* key : {"password_ttl", "password_command_timeout"}) {
    if (r.Has(key) && !r.Has("password_command")) r.Error(key, "only applies with password_command");
  }
  PasswordSource& source = cluster.password;
  if (auto v = r.String("password_file")) {
    if (v->empty()) r.Error("password_file", "must not be empty");
    source = {PasswordSource::Kind::kFile, ResolveConfigPath(base_dir, *v), "", "", {}};
  } else if (auto v = r.String("password_env")) {
    if (v->empty()) r.Error("password_env", "must not be empty");
    source = {PasswordSource::Kind::kEnv, "", *v, "", {}};
  } else if (auto v = r.StringArray("password_command", "program and arguments")) {
    if (v->empty() || v->front().empty())
      r.Error("password_command", "must name a program: [\"program\", \"arg\", ...]");
    source.kind = PasswordSource::Kind::kCommand;
    source.command.argv = *v;
    if (auto ttl = r.Duration("password_ttl")) source.command.ttl = *ttl;
    if (auto timeout = r.Duration("password_command_timeout")) {
      if (timeout->count() <= 0)
        r.Error("password_command_timeout", "must be positive");
      else
        source.command.timeout = *timeout;
    }
  } else if (auto v = r.String("password")) {
    source = {PasswordSource::Kind::kInline, "", "", *v, {}};
    warnings.push_back(
        "[cluster] password is set in the config file; prefer password_file or password_env");
  }
  if (!checks.for_start) return;
  // As a connection will: the helper is not run here (--config.check
  // contacts nothing), only found.
  if (source.kind == PasswordSource::Kind::kCommand) {
    if (!source.command.argv.empty() && !source.command.argv.front().empty() &&
        !FindExecutable(source.command.argv.front())) {
      r.Error("password_command", "'" + source.command.argv.front() +
                                      "' is not an executable file (nor found in PATH)");
    }
  } else if (source.kind == PasswordSource::Kind::kFile || source.kind == PasswordSource::Kind::kEnv) {
    const char* key = source.kind == PasswordSource::Kind::kFile ? "password_file" : "password_env";
    if (auto password = ResolvePassword(source); !password.ok()) {
      std::string message = password.status().message();
      const std::string prefix = std::string(key) + ": ";
      if (message.rfind(prefix, 0) == 0) message.erase(0, prefix.size());
      r.Error(key, message);
    }
  }
}

}  // namespace rse
