// The exporter's HTTP endpoints: "/" (landing page), the telemetry path
// ("/metrics"), "/config", "/-/healthy", "/-/ready", and with the lifecycle
// API "/-/reload" and "/-/quit" (POST or PUT). Other methods get 405, other
// paths 404. TLS, basic auth and extra headers come from the web config
// (exporter-toolkit format) and can be replaced while serving; the health
// endpoints stay open so probes need no credentials. httplib stays behind
// this header. Serve() blocks; Stop() may be called from any thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/host_port.h"
#include "base/log.h"
#include "base/status.h"
#include "config/web_config.h"
#include "http/landing_page.h"
#include "model/exposition.h"

namespace httplib {
class Server;
}

namespace rse {

class BasicAuthenticator;
class TlsContextHolder;
class StableRunCache;

// What a scrape request tells the collector.
struct ScrapeRequest {
  std::optional<std::string> timeout_header;  // X-Prometheus-Scrape-Timeout-Seconds, verbatim.
};

using MetricsHandler = std::function<Exposition(const ScrapeRequest&)>;

struct HttpServerOptions {
  LandingInfo landing;
  std::string telemetry_path = "/metrics";
  // Connections get a thread each, from a pool that grows to max_threads.
  int min_threads = 4;
  int max_threads = 256;
  // A request (and a TLS handshake) must arrive whole within this time,
  // however slowly its bytes come.
  std::chrono::milliseconds request_timeout{5000};
  WebSecurityConfig web;  // At start; ApplyWebConfig() replaces it.
  // POST/PUT /-/reload and /-/quit; without it they answer 403, as Prometheus does.
  bool enable_lifecycle = false;
  std::function<Status()> reload;          // Required with enable_lifecycle.
  std::function<void()> quit;              // Same.
  std::function<std::string()> config_page;  // GET /config; 404 when empty.
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, MetricsHandler metrics, Logger* logger);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds the listening socket; port 0 picks a free port (see port()). Fails
  // if the address is in use by anyone, including another exporter, or if the
  // web config's TLS files cannot be loaded.
  Status Bind(const HostPort& address);
  int port() const { return port_; }
  bool tls() const;

  // Takes a reloaded web config for the requests that arrive from now on.
  // Switching between HTTP and HTTPS needs a restart and is refused.
  Status ApplyWebConfig(const WebSecurityConfig& web);

  // Serves until Stop(). Returns an error if Bind() was not called first.
  Status Serve();
  bool IsRunning() const;
  void Stop();

 private:
  struct Security;
  void InstallRoutes();
  std::shared_ptr<const Security> security() const;

  const HttpServerOptions options_;
  const MetricsHandler metrics_;
  Logger* const logger_;
  Status init_error_;  // A TLS context that could not be set up at construction.
  std::unique_ptr<TlsContextHolder> tls_holder_;
  // Self-metrics compressed by earlier scrapes; declared before server_, so
  // it outlives every request the server still runs.
  std::unique_ptr<StableRunCache> stable_runs_;
  std::unique_ptr<httplib::Server> server_;
  mutable std::mutex mu_;
  std::shared_ptr<const Security> security_;  // Guarded by mu_.
  int port_ = -1;
  int listen_socket_ = -1;  // Seen in httplib's socket-options hook, before it listens.
};

}  // namespace rse
