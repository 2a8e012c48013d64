// X-Prometheus-Scrape-Timeout-Seconds, any bytes: always a budget in [1ms, cap].
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http/scrape_timeout.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using std::chrono::milliseconds;
  std::string_view header(reinterpret_cast<const char*>(data), size);
  const milliseconds cap(10'000);
  milliseconds budget = rse::ScrapeBudget(header, milliseconds(500), cap);
  if (budget < milliseconds(1) || budget > cap) __builtin_trap();
  return 0;
}
