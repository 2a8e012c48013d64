#include "http/request_reader.h"

#include <boost/asio/buffer.hpp>

namespace rse {
namespace {

namespace http = boost::beast::http;
using boost::system::error_code;

}  // namespace

void ApplyLimits(const RequestLimits& limits, RequestParser* parser) {
  parser->header_limit(static_cast<std::uint32_t>(limits.header_limit));
  parser->body_limit(limits.body_limit);
}

HttpRequest ToRequest(const BeastRequest& message) {
  HttpRequest request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  const size_t query = request.target.find('?');
  request.path = PercentDecode(std::string_view(request.target).substr(0, query));
  if (query != std::string::npos) request.query = request.target.substr(query + 1);
  request.version = static_cast<int>(message.version());
  for (const auto& field : message) {
    request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  return request;
}

std::optional<HttpResponse> RefusedRequest(const error_code& ec) {
  if (ec.category() != http::make_error_code(http::error::bad_method).category()) return std::nullopt;
  if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
      ec == http::error::need_more) {
    return std::nullopt;
  }
  HttpResponse response;
  if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
    response = PlainText(431, "431 Request Header Fields Too Large\n");
  } else if (ec == http::error::body_limit) {
    response = PlainText(413, "413 Payload Too Large\n");
  } else {
    response = PlainText(400, "400 Bad Request: " + ec.message() + "\n");
  }
  response.close = true;
  return response;
}

ReadRequestsResult ReadRequests(std::string_view bytes, const RequestLimits& limits) {
  ReadRequestsResult result;
  size_t offset = 0;
  while (offset < bytes.size()) {
    RequestParser parser;
    ApplyLimits(limits, &parser);
    parser.eager(true);
    size_t start = offset;
    error_code ec;
    while (!parser.is_done() && offset < bytes.size()) {
      const size_t used =
          parser.put(boost::asio::buffer(bytes.data() + offset, bytes.size() - offset), ec);
      offset += used;
      if (ec == http::error::need_more) {
        ec = {};
        if (used == 0) break;  // The rest has not arrived.
        continue;
      }
      if (ec) break;
    }
    if (ec) {
      result.refused = RefusedRequest(ec);
      return result;
    }
    if (!parser.is_done()) {
      result.unread = bytes.size() - start;
      return result;
    }
    result.requests.push_back(ToRequest(parser.get()));
    result.keep_alive.push_back(parser.get().keep_alive());
    if (!parser.get().keep_alive()) return result;
  }
  return result;
}

}  // namespace rse
