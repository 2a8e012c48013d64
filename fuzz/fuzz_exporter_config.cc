// The exporter-config loader on arbitrary text: an error or a config, never a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/exporter_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto config = rse::ParseExporterConfig(text, "fuzz.toml", "/nonexistent");
  if (!config.ok() && config.status().message().empty()) __builtin_trap();  // Errors say something.
  return 0;
}
