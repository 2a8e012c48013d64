#include "config/password.h"

#include <cstdlib>

#include "base/read_file.h"

namespace rse {

StatusOr<std::string> ResolvePassword(const PasswordSource& source) {
  switch (source.kind) {
    case PasswordSource::Kind::kNone: return std::string();
    case PasswordSource::Kind::kInline: return source.inline_secret;
    case PasswordSource::Kind::kEnv: {
      const char* value = std::getenv(source.env.c_str());
      if (!value)
        return Status::NotFound("password_env: environment variable " + source.env + " is not set");
      return std::string(value);
    }
    case PasswordSource::Kind::kFile: {
      auto text = ReadFile(source.file);
      if (!text.ok()) return Status::NotFound("password_file: " + text.status().message());
      std::string secret = std::move(*text);
      while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
      if (secret.empty()) return Status::NotFound("password_file: '" + source.file + "' is empty");
      return secret;
    }
    case PasswordSource::Kind::kCommand:
      return Status::Internal("password_command is run per connection (PasswordCommand)");
  }
  return Status::Internal("unknown password source");
}

}  // namespace rse
