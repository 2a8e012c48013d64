// The web-config (YAML) loader on arbitrary text: an error naming the file, or a config.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/web_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto web = rse::ParseWebConfig(text, "fuzz.yml", "/nonexistent");
  if (!web.ok() && web.status().message().find("fuzz.yml") == std::string::npos) __builtin_trap();
  return 0;
}
