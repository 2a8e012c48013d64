// Helpers for tests that talk HTTP to a server of ours: gunzip, and a running
// HttpServer on a free loopback port that stops when the fixture ends.
#pragma once

#include <httplib.h>

#include <memory>
#include <string>
#include <thread>

#include "http/http_server.h"

namespace rse::testing {

std::string Gunzip(const std::string& compressed);

// `headers` with "Accept-Encoding: identity" unless they name an encoding:
// cpp-httplib 0.18's client asks for gzip on its own (0.11's did not), so a
// test that reads the bytes on the wire says what it accepts.
httplib::Headers Identity(httplib::Headers headers = {});

class RunningServer {
 public:
  RunningServer(HttpServerOptions options, MetricsHandler handler);
  ~RunningServer();
  int port() const { return server_.port(); }
  HttpServer& server() { return server_; }

 private:
  std::unique_ptr<Logger> logger_;
  HttpServer server_;
  std::thread thread_;
};

}  // namespace rse::testing
