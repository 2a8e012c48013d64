#include "exposition/content_type.h"

#include <charconv>
#include <string>
#include <vector>

namespace rse {
namespace {

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    parts.push_back(TrimOws(
        s.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start)));
    if (pos == std::string_view::npos) return parts;
    start = pos + 1;
  }
}

// One element of an Accept or Accept-Encoding list: "type;k=v;q=0.5".
struct MediaRange {
  std::string type;
  std::string version;  // Empty when absent.
  double q = 1.0;
};

MediaRange ParseElement(std::string_view element) {
  std::vector<std::string_view> parts = Split(element, ';');
  MediaRange range;
  range.type = Lower(parts[0]);
  for (size_t i = 1; i < parts.size(); ++i) {
    size_t eq = parts[i].find('=');
    if (eq == std::string_view::npos) continue;
    std::string key = Lower(TrimOws(parts[i].substr(0, eq)));
    std::string_view value = TrimOws(parts[i].substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    if (key == "q") {
      double q = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), q);
      range.q = (ec == std::errc() && end == value.data() + value.size()) ? q : 0;
    } else if (key == "version") {
      range.version = std::string(value);
    }
  }
  return range;
}

}  // namespace

ExpositionFormat NegotiateFormat(std::string_view accept) {
  ExpositionFormat best = ExpositionFormat::kText;
  double best_q = 0;
  for (std::string_view element : Split(accept, ',')) {
    if (element.empty()) continue;
    MediaRange range = ParseElement(element);
    ExpositionFormat format;
    if (range.type == "application/openmetrics-text" &&
        (range.version.empty() || range.version == "1.0.0")) {
      format = ExpositionFormat::kOpenMetrics;
    } else if ((range.type == "text/plain" &&
                (range.version.empty() || range.version == "0.0.4")) ||
               range.type == "text/*" || range.type == "*/*") {
      format = ExpositionFormat::kText;
    } else {
      continue;
    }
    if (range.q > best_q) {
      best = format;
      best_q = range.q;
    }
  }
  return best;
}

const char* ContentTypeFor(ExpositionFormat format) {
  return format == ExpositionFormat::kOpenMetrics ? kOpenMetricsContentType : kTextContentType;
}

bool AcceptsGzip(std::string_view accept_encoding) {
  // An explicit "gzip;q=..." wins over a wildcard.
  double gzip_q = -1, wildcard_q = -1;
  for (std::string_view element : Split(accept_encoding, ',')) {
    if (element.empty()) continue;
    MediaRange coding = ParseElement(element);
    if (coding.type == "gzip") gzip_q = coding.q;
    if (coding.type == "*") wildcard_q = coding.q;
  }
  return gzip_q >= 0 ? gzip_q > 0 : wildcard_q > 0;
}

}  // namespace rse
