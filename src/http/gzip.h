// gzip (RFC 1952) compression of a response body, through zlib.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace rse {

StatusOr<std::string> GzipCompress(std::string_view data);

}  // namespace rse
