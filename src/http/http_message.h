// An HTTP request as the routes see it and the response they give back,
// independent of the transport that parsed and will write them: routes are a
// pure function of one to the other, tested without sockets.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/response_body.h"

namespace rse {

struct HttpRequest {
  std::string method;  // As sent: "GET", "BREW", ...
  std::string target;  // As sent, with its query.
  std::string path;    // The target up to '?', percent-decoded.
  std::string query;   // After '?', raw.
  int version = 11;    // 10 or 11.
  std::vector<std::pair<std::string, std::string>> headers;  // In order; repeats kept.

  // The first value of a header, by case-insensitive name.
  std::optional<std::string_view> Header(std::string_view name) const;
  bool Has(std::string_view name) const { return Header(name).has_value(); }
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // Unless `runs` is set.
  // A /metrics body, written run by run from where it was rendered.
  std::shared_ptr<const ResponseBody> runs;
  // The connection ends after this response: what follows the request on
  // it cannot be trusted (a framing error), or the client asked.
  bool close = false;

  size_t size() const { return runs ? runs->size() : body.size(); }
  void Set(std::string name, std::string value);  // Replaces a header of that name.
  std::optional<std::string_view> Header(std::string_view name) const;
};

// A text/plain response (the exporter's errors and short answers).
HttpResponse PlainText(int status, std::string body);

// "%2e" -> "."; a malformed escape is kept as it is.
std::string PercentDecode(std::string_view text);

// The values of `key` in a URL query ("a=1&group=x&group=y" -> x, y), in
// order, percent-decoded ('+' is a space, as forms send it).
std::vector<std::string> QueryValues(std::string_view query, std::string_view key);

}  // namespace rse
