#include "http/routes.h"

#include <algorithm>
#include <exception>

#include "exposition/content_type.h"
#include "http/response_body.h"

namespace rse {
namespace {

bool IsOpenPath(const std::string& path) { return path == "/-/healthy" || path == "/-/ready"; }

bool IsLifecyclePath(const std::string& path) { return path == "/-/reload" || path == "/-/quit"; }

// Methods of RFC 9110 and the ones proxies send; anything else is not a
// request we can frame with confidence.
bool IsKnownMethod(const std::string& method) {
  for (const char* known : {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE",
                            "PATCH"}) {
    if (method == known) return true;
  }
  return false;
}

std::string HeaderOr(const HttpRequest& request, std::string_view name) {
  auto value = request.Header(name);
  return value ? std::string(*value) : std::string();
}

}  // namespace

Routes::Routes(RouteOptions options, MetricsHandler metrics, Logger* logger)
    : options_(std::move(options)),
      metrics_(std::move(metrics)),
      logger_(logger),
      stable_runs_(std::make_unique<StableRunCache>()) {}

Routes::~Routes() = default;

HttpResponse Routes::Handle(const HttpRequest& request, const RouteSecurity& security) const {
  HttpResponse response;
  try {
    response = Dispatch(request, security);
  } catch (const std::exception& e) {
    logger_->Error("request failed", {{"path", request.path}, {"err", e.what()}});
    response = PlainText(500, "500 internal error\n");
  } catch (...) {
    logger_->Error("request failed", {{"path", request.path}, {"err", "unknown exception"}});
    response = PlainText(500, "500 internal error\n");
  }
  for (const auto& [name, value] : security.headers) response.Set(name, value);
  // After a request whose framing or method we cannot trust, the next
  // request's start is unknown: close rather than resynchronise (RFC 9112
  // §6.1, request smuggling).
  if (response.status == 400) response.close = true;
  return response;
}

HttpResponse Routes::Dispatch(const HttpRequest& request, const RouteSecurity& security) const {
  // Framed two ways: a proxy and this server could disagree on where the body
  // ends, and the rest would be read as another request (smuggling). The
  // transport's parser refuses it too; this keeps the rule where it is read.
  if (request.Has("Transfer-Encoding") && request.Has("Content-Length")) {
    return PlainText(400, "400 Bad Request: both Content-Length and Transfer-Encoding\n");
  }
  if (!IsKnownMethod(request.method)) return PlainText(400, "400 Bad Request: unknown method\n");
  const std::string& path = request.path;
  if (!IsOpenPath(path) && security.auth && security.auth->enabled() &&
      !security.auth->Allows(HeaderOr(request, "Authorization"))) {
    HttpResponse response = PlainText(401, "Unauthorized\n");
    response.Set("WWW-Authenticate", "Basic");
    return response;
  }
  if (IsLifecyclePath(path)) return Lifecycle(request);
  const bool get = request.method == "GET" || request.method == "HEAD";
  const bool config = path == "/config" && options_.config_page;
  const bool status = path == "/status" && options_.status_page;
  const bool status_json = path == "/status.json" && options_.status_json;
  const bool known = path == "/" || path == options_.telemetry_path || IsOpenPath(path) || config ||
                     status || status_json;
  if (get && path == options_.telemetry_path) return Metrics(request);
  if (get && path == "/") {
    LandingInfo landing = options_.landing;
    landing.telemetry_path = options_.telemetry_path;
    HttpResponse response;
    response.Set("Content-Type", "text/html; charset=utf-8");
    response.body = RenderLandingPage(landing);
    return response;
  }
  if (get && path == "/-/healthy") return PlainText(200, "replica_sql_exporter is Healthy.\n");
  // The config and catalog are loaded before the server starts, so serving means ready.
  if (get && path == "/-/ready") return PlainText(200, "replica_sql_exporter is Ready.\n");
  if (get && config) return PlainText(200, options_.config_page());
  if (get && (status || status_json)) {
    HttpResponse response;
    response.Set("Content-Type", status ? "text/html; charset=utf-8" : "application/json");
    // A page of now: a cache in between must not show an old one.
    response.Set("Cache-Control", "no-store");
    response.body = status ? options_.status_page() : options_.status_json();
    return response;
  }
  if (known || request.method == "CONNECT") {
    HttpResponse response =
        PlainText(405, "405 method " + request.method + " not allowed; use GET or HEAD\n");
    response.Set("Allow", "GET, HEAD");
    return response;
  }
  return PlainText(404, "404 page not found\n");
}

HttpResponse Routes::Lifecycle(const HttpRequest& request) const {
  if (request.method != "POST" && request.method != "PUT") {
    HttpResponse response =
        PlainText(405, "405 method " + request.method + " not allowed; use POST or PUT\n");
    response.Set("Allow", "POST, PUT");
    return response;
  }
  if (!options_.enable_lifecycle) {
    return PlainText(403, "Lifecycle API is not enabled (--web.enable-lifecycle).\n");
  }
  if (request.path == "/-/reload") {
    Status reloaded = options_.reload();
    if (reloaded.ok()) return PlainText(200, "Reloaded.\n");
    return PlainText(500, "failed to reload config:\n" + reloaded.message() + "\n");
  }
  HttpResponse response = PlainText(200, "Requesting termination... Goodbye!\n");
  options_.quit();
  return response;
}

HttpResponse Routes::Metrics(const HttpRequest& request) const {
  ScrapeRequest scrape;
  if (auto timeout = request.Header("X-Prometheus-Scrape-Timeout-Seconds")) {
    scrape.timeout_header = std::string(*timeout);
  }
  if (!request.query.empty()) {
    const std::vector<std::string> known = options_.groups ? options_.groups() : std::vector<std::string>{};
    for (const std::string& group : QueryValues(request.query, "group")) {
      if (std::find(known.begin(), known.end(), group) == known.end()) {
        std::string names;
        for (const std::string& name : known) names += (names.empty() ? "" : ", ") + name;
        return PlainText(400, "unknown query group \"" + group + "\"; the catalog's groups: " +
                                  (names.empty() ? "none" : names) + "\n");
      }
      if (std::find(scrape.groups.begin(), scrape.groups.end(), group) == scrape.groups.end())
        scrape.groups.push_back(group);
    }
  }
  const ExpositionFormat format = NegotiateFormat(HeaderOr(request, "Accept"));
  // Compressed here, by our reading of Accept-Encoding (q=0 refuses).
  auto body = ResponseBody::Render(metrics_(scrape), format,
                                   AcceptsGzip(HeaderOr(request, "Accept-Encoding")),
                                   stable_runs_.get());
  if (!body.ok()) {
    logger_->Error("could not render the scrape", {{"err", body.status().message()}});
    return PlainText(500, "500 internal error\n");
  }
  HttpResponse response;
  response.Set("Content-Type", ContentTypeFor(format));
  if (body->gzipped()) response.Set("Content-Encoding", "gzip");
  response.Set("Vary", "Accept, Accept-Encoding");
  // Written run by run: cached blocks leave from their memo, not copied.
  response.runs = std::make_shared<const ResponseBody>(std::move(*body));
  return response;
}

}  // namespace rse
