// GET /config: the loaded config, query catalog and web config as the
// exporter understands them, every default filled in, as TOML (the web
// config as the equivalent keys). Secrets are replaced by "<secret>": the
// inline password and the basic-auth hashes. Paths and variable names stay.
#pragma once

#include <string>

#include "app/loaded_config.h"

namespace rse {

inline constexpr const char* kSecretMask = "<secret>";

std::string RenderConfigPage(const LoadedConfig& loaded);

}  // namespace rse
