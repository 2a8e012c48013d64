// Content negotiation for /metrics: which exposition format an Accept header
// asks for, and whether an Accept-Encoding header allows gzip.
#pragma once

#include <string_view>

namespace rse {

enum class ExpositionFormat { kText, kOpenMetrics };

inline constexpr const char* kTextContentType = "text/plain; version=0.0.4; charset=utf-8";
inline constexpr const char* kOpenMetricsContentType =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";

// The highest-q acceptable format; OpenMetrics only for version 1.0.0 (or no
// version). No header, or nothing we can serve, falls back to the text format.
ExpositionFormat NegotiateFormat(std::string_view accept);

const char* ContentTypeFor(ExpositionFormat format);

// True when "gzip" (or "*") is listed with q > 0.
bool AcceptsGzip(std::string_view accept_encoding);

}  // namespace rse
