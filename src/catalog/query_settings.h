// [query.settings]: the server settings that protect production while one
// query runs (PostgreSQL SET LOCAL inside its read-only transaction; MariaDB
// SET STATEMENT ... FOR). Names come from an allow-list that can never
// change the read-only guarantee or outlive the statement; values are
// numbers, booleans or strings of safe characters, spelled as SQL literals.
#pragma once

#include <string>
#include <vector>

#include "base/session_setting.h"
#include "config/toml_fields.h"

namespace rse {

// Reads the table under `key` of the query table `r`; every problem through r.Error.
std::vector<SessionSetting> ParseQuerySettings(TableReader& r, const char* key);

// The engine a setting belongs to: "postgres", "mariadb", or "" when neither
// allows it. The allow-lists are in the .cc, with why each is there.
std::string SettingEngine(const std::string& name);

// Every allowed name of one engine ("postgres" or "mariadb"), sorted, for messages.
std::vector<std::string> AllowedSettings(const std::string& engine);

}  // namespace rse
