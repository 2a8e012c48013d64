// Reads the database password from where the config says it lives, at
// connect time, so a rotated secret file is picked up without a restart.
#pragma once

#include <string>

#include "base/status.h"
#include "config/exporter_config.h"

namespace rse {

// The file's content without its trailing newline, the variable's value, or
// the inline secret. Errors name the file or variable, never the secret.
StatusOr<std::string> ResolvePassword(const PasswordSource& source);

}  // namespace rse
