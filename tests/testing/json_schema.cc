#include "testing/json_schema.h"

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace rse::testing {

CommandResult ValidateJsonSchema(const std::string& json, const std::string& schema_path) {
  char dir_template[] = "/tmp/rse_jsonXXXXXX";
  const std::string dir = mkdtemp(dir_template);
  std::ofstream(dir + "/doc.json") << json;
  CommandResult result = RunCommand(
      {"/usr/bin/python3", "-c",
       "import json, sys, jsonschema\n"
       "jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))",
       dir + "/doc.json", schema_path},
      dir);
  std::filesystem::remove_all(dir);
  return result;
}

}  // namespace rse::testing
