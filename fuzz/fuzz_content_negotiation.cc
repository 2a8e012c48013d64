// Accept and Accept-Encoding, any bytes: a format and a yes/no, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "exposition/content_type.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view header(reinterpret_cast<const char*>(data), size);
  rse::ExpositionFormat format = rse::NegotiateFormat(header);
  (void)rse::ContentTypeFor(format);
  (void)rse::AcceptsGzip(header);
  return 0;
}
