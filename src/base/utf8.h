// UTF-8 validity, for text that comes from a database and goes into the
// exposition: one invalid byte in a label value makes Prometheus drop the
// whole target's scrape.
#pragma once

#include <cstddef>
#include <string_view>

namespace rse {

// The offset of the first byte that does not start a well-formed UTF-8
// sequence (overlong forms, surrogates and code points past U+10FFFF are
// ill-formed), or npos when `text` is valid.
size_t FirstInvalidUtf8(std::string_view text);

}  // namespace rse
