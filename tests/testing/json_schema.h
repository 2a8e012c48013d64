// Validates a JSON document against a JSON Schema file with python3-jsonschema,
// as the status page's tests check /status.json against docs/status.schema.json.
#pragma once

#include <string>

#include "testing/subprocess.h"

namespace rse::testing {

// Exit code 0 when `json` is valid; the validator's message otherwise (127:
// python3 or the module is missing, a failure, not a skip).
CommandResult ValidateJsonSchema(const std::string& json, const std::string& schema_path);

}  // namespace rse::testing
