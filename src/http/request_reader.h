// Requests as read from a connection's bytes, one after another (what follows
// a request stays for the next: pipelining): Beast's parser with our limits,
// then our HttpRequest; a request the parser refuses becomes the 4xx answer
// after which the connection closes. The transport reads a socket with these;
// ReadRequests() reads a whole byte string (the request-stream fuzzer, tests).
#pragma once

#include <boost/beast/http.hpp>
#include <optional>
#include <string_view>
#include <vector>

#include "http/http_message.h"

namespace rse {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;
using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

struct RequestLimits {
  size_t header_limit = 16 << 10;  // Request line and headers: 431 past it.
  size_t body_limit = 64 << 10;    // 413 past it (no route takes a body).
};

void ApplyLimits(const RequestLimits& limits, RequestParser* parser);

HttpRequest ToRequest(const BeastRequest& message);

// The answer to a request the parser refused; nullopt when the error is not
// the request's (the client went away or ran out of time: just close).
std::optional<HttpResponse> RefusedRequest(const boost::system::error_code& ec);

struct ReadRequestsResult {
  std::vector<HttpRequest> requests;  // Complete ones, in order.
  std::vector<bool> keep_alive;       // Per request.
  std::optional<HttpResponse> refused;  // Set when reading stopped on a bad request.
  size_t unread = 0;                  // Bytes of an incomplete last request.
};

// Every request in `bytes`, stopping after one that closes the connection.
ReadRequestsResult ReadRequests(std::string_view bytes, const RequestLimits& limits);

}  // namespace rse
