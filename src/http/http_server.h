// The exporter's HTTP endpoints: "/" (landing page), "/metrics", "/-/healthy"
// and "/-/ready". GET and HEAD only; other methods get 405, other paths 404.
// httplib stays behind this header. Serve() blocks; Stop() may be called from
// any thread (e.g. a signal thread).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/host_port.h"
#include "base/log.h"
#include "base/status.h"
#include "http/landing_page.h"
#include "model/metric_family.h"

namespace httplib {
class Server;
}

namespace rse {

// What a scrape request tells the collector.
struct ScrapeRequest {
  std::optional<std::string> timeout_header;  // X-Prometheus-Scrape-Timeout-Seconds, verbatim.
};

using MetricsHandler = std::function<std::vector<MetricFamily>(const ScrapeRequest&)>;

struct HttpServerOptions {
  LandingInfo landing;
  int worker_threads = 8;
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, MetricsHandler metrics, Logger* logger);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds the listening socket; port 0 picks a free port (see port()). Fails
  // if the address is in use by anyone, including another exporter.
  Status Bind(const HostPort& address);
  int port() const { return port_; }

  // Serves until Stop(). Returns an error if Bind() was not called first.
  Status Serve();
  bool IsRunning() const;
  void Stop();

 private:
  void InstallRoutes();

  const HttpServerOptions options_;
  const MetricsHandler metrics_;
  Logger* const logger_;
  std::unique_ptr<httplib::Server> server_;
  int port_ = -1;
};

}  // namespace rse
