#include "testing/http_test_util.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <chrono>
#include <iostream>

namespace rse::testing {

std::string Gunzip(const std::string& compressed) {
  z_stream stream{};
  if (inflateInit2(&stream, 15 + 16) != Z_OK) return "";
  std::string out;
  char buffer[16384];
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  stream.avail_in = static_cast<uInt>(compressed.size());
  int rc = Z_OK;
  while (rc == Z_OK) {
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof buffer;
    rc = inflate(&stream, Z_NO_FLUSH);
    out.append(buffer, sizeof buffer - stream.avail_out);
  }
  inflateEnd(&stream);
  return rc == Z_STREAM_END ? out : "";
}

RunningServer::RunningServer(HttpServerOptions options, MetricsHandler handler)
    : logger_(std::make_unique<Logger>(LogLevel::kWarn, LogFormat::kLogfmt, &std::cerr)),
      server_(std::move(options), std::move(handler), logger_.get()) {
  Status bound = server_.Bind({"127.0.0.1", 0});
  EXPECT_TRUE(bound.ok()) << bound.message();
  thread_ = std::thread([this] { EXPECT_TRUE(server_.Serve().ok()); });
  for (int i = 0; i < 500 && !server_.IsRunning(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
}

RunningServer::~RunningServer() {
  server_.Stop();
  thread_.join();
}

httplib::Headers Identity(httplib::Headers headers) {
  if (headers.find("Accept-Encoding") == headers.end()) headers.emplace("Accept-Encoding", "identity");
  return headers;
}

}  // namespace rse::testing
