// The exporter's HTTP server: the routes (http/routes.h) on the transport
// (http/http_transport.h). TLS, basic auth and extra headers come from the
// web config (exporter-toolkit format) and can be replaced while serving.
// Serve() blocks; Stop() may be called from any thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/host_port.h"
#include "base/log.h"
#include "base/mutex.h"
#include "base/status.h"
#include "config/web_config.h"
#include "http/routes.h"
#include "http/tls_context.h"

namespace rse {

class HttpTransport;
class TlsContextHolder;

struct HttpServerOptions : RouteOptions {
  // Requests are handled on threads from a pool that grows to max_threads.
  int min_threads = 4;
  int max_threads = 256;
  // A request (and a TLS handshake) must arrive whole within this time,
  // however slowly its bytes come.
  std::chrono::milliseconds request_timeout{5000};
  // Open connections at most; one more is closed as soon as it is accepted.
  int max_connections = 16384;
  WebSecurityConfig web;  // At start; ApplyWebConfig() replaces it.
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
  int port() const;
  bool tls() const;

  // A reloaded web config, built and checked (its TLS context made), that
  // takes over only at CommitWebConfig(), which cannot fail: a reload builds
  // everything first and swaps it all or nothing.
  struct PreparedWeb {
    std::optional<SslCtxPtr> tls;
    std::shared_ptr<const RouteSecurity> security;
  };
  // Switching between HTTP and HTTPS needs a restart and is refused.
  StatusOr<PreparedWeb> PrepareWebConfig(const WebSecurityConfig& web) const;
  // For the requests (and TLS handshakes) that arrive from now on.
  void CommitWebConfig(PreparedWeb prepared);
  // Both at once.
  Status ApplyWebConfig(const WebSecurityConfig& web);

  // Serves until Stop(). Returns an error if Bind() was not called first.
  Status Serve();
  bool IsRunning() const;
  void Stop();

 private:
  std::shared_ptr<const RouteSecurity> security() const;

  const HttpServerOptions options_;
  Logger* const logger_;
  Status init_error_;  // A TLS context that could not be set up at construction.
  std::unique_ptr<TlsContextHolder> tls_holder_;
  // Declared before transport_, so they outlive every request it still runs.
  std::unique_ptr<Routes> routes_;
  mutable Mutex mu_;
  std::shared_ptr<const RouteSecurity> security_ GUARDED_BY(mu_);
  std::unique_ptr<HttpTransport> transport_;
};

}  // namespace rse
