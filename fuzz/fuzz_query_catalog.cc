// The query-catalog loader on arbitrary text: an error naming the file, or a catalog.
#include <cstddef>
#include <cstdint>
#include <string>

#include "catalog/query_catalog.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto catalog = rse::ParseQueryCatalog({{"fuzz.toml", text}});
  if (!catalog.ok() && catalog.status().message().find("fuzz.toml") == std::string::npos) {
    __builtin_trap();  // Every catalog error names its file.
  }
  return 0;
}
