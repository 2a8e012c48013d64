// What the exporter answers, as a pure function of the request: "/" (landing
// page), the telemetry path, "/config", "/status" and "/status.json",
// "/-/healthy", "/-/ready", and with the
// lifecycle API "/-/reload" and "/-/quit" (POST or PUT). Other methods of a
// known path get 405, other paths 404; basic auth (when configured) guards
// every path but the health endpoints. No sockets here: the transport parses,
// calls Handle(), and writes what it returns.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/log.h"
#include "base/status.h"
#include "http/basic_auth.h"
#include "http/http_message.h"
#include "http/landing_page.h"
#include "model/exposition.h"

namespace rse {

class StableRunCache;

// What a scrape request tells the collector.
struct ScrapeRequest {
  std::optional<std::string> timeout_header;  // X-Prometheus-Scrape-Timeout-Seconds, verbatim.
  // ?group=a&group=b: the query groups to run; empty: the queries without one.
  std::vector<std::string> groups;
};

using MetricsHandler = std::function<Exposition(const ScrapeRequest&)>;

struct RouteOptions {
  LandingInfo landing;
  std::string telemetry_path = "/metrics";
  // POST/PUT /-/reload and /-/quit; without it they answer 403, as Prometheus does.
  bool enable_lifecycle = false;
  std::function<Status()> reload;            // Required with enable_lifecycle.
  std::function<void()> quit;                // Same.
  std::function<std::string()> config_page;  // GET /config; 404 when empty.
  // GET /status (HTML) and /status.json; 404 when empty.
  std::function<std::string()> status_page;
  std::function<std::string()> status_json;
  // The query groups a scrape may ask for (?group=); unset: none.
  std::function<std::vector<std::string>()> groups;
};

// What the web config decides per request; a reload replaces it as a whole.
struct RouteSecurity {
  std::unique_ptr<BasicAuthenticator> auth;
  std::vector<std::pair<std::string, std::string>> headers;  // Added to every response.
};

class Routes {
 public:
  Routes(RouteOptions options, MetricsHandler metrics, Logger* logger);
  ~Routes();

  // Never throws: an exception in a handler is a logged 500.
  HttpResponse Handle(const HttpRequest& request, const RouteSecurity& security) const;

 private:
  HttpResponse Dispatch(const HttpRequest& request, const RouteSecurity& security) const;
  HttpResponse Lifecycle(const HttpRequest& request) const;
  HttpResponse Metrics(const HttpRequest& request) const;

  const RouteOptions options_;
  const MetricsHandler metrics_;
  Logger* const logger_;
  // Self-metrics compressed by earlier scrapes.
  const std::unique_ptr<StableRunCache> stable_runs_;
};

}  // namespace rse
