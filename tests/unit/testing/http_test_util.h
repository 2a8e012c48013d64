// Helpers for tests that talk HTTP to a server of ours: gunzip, and a running
// HttpServer on a free loopback port that stops when the fixture ends.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "http/http_server.h"

namespace rse::testing {

std::string Gunzip(const std::string& compressed);

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
