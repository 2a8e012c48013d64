#include "http/http_server.h"

#include <httplib.h>
#include <malloc.h>
#include <sys/socket.h>

#include "exposition/content_type.h"
#include "exposition/text_format.h"
#include "http/basic_auth.h"
#include "http/connection_server.h"
#include "http/elastic_thread_pool.h"
#include "http/response_body.h"
#include "http/tls_context.h"

namespace rse {
namespace {

constexpr size_t kTrimAfterBytes = 256 << 10;  // Compressed size, when compressed.
// A response write that makes no progress for this long ends the connection.
constexpr time_t kWriteTimeoutSeconds = 5;
// Short on purpose: an idle keep-alive connection holds a thread (it waits in
// poll(), see http/connection_server.h; cpp-httplib's own loop polled every
// 10 ms, 11% of a core for 50 idle connections). 2 s serves bursts (a
// browser, a retry, a benchmark) and lets a connection go between Prometheus
// scrapes, which then open a new one (a TCP handshake, and a TLS one with TLS).
constexpr time_t kKeepAliveSeconds = 2;

void SetPlainText(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_content(body, "text/plain; charset=utf-8");
}

bool IsOpenPath(const std::string& path) { return path == "/-/healthy" || path == "/-/ready"; }

bool IsLifecyclePath(const std::string& path) { return path == "/-/reload" || path == "/-/quit"; }

}  // namespace

// What the web config decides per request; replaced as a whole on reload.
struct HttpServer::Security {
  std::unique_ptr<BasicAuthenticator> auth;
  std::vector<std::pair<std::string, std::string>> headers;
};

HttpServer::HttpServer(HttpServerOptions options, MetricsHandler metrics, Logger* logger)
    : options_(std::move(options)),
      metrics_(std::move(metrics)),
      logger_(logger),
      stable_runs_(std::make_unique<StableRunCache>()) {
  ConnectionTimeouts timeouts;
  timeouts.request = options_.request_timeout;
  timeouts.keep_alive = std::chrono::seconds(kKeepAliveSeconds);
  timeouts.write = std::chrono::seconds(kWriteTimeoutSeconds);
  if (options_.web.tls) {
    auto current = BuildServerTls(*options_.web.tls);
    if (!current.ok()) {
      init_error_ = Status::InvalidArgument(options_.web.source + ": " + current.status().message());
      tls_holder_ = std::make_unique<TlsContextHolder>(nullptr);
    } else {
      tls_holder_ = std::make_unique<TlsContextHolder>(*current);
    }
    TlsContextHolder* holder = tls_holder_.get();
    server_ = std::make_unique<ConnectionServer>(timeouts, [holder] { return holder->Current(); });
  } else {
    server_ = std::make_unique<ConnectionServer>(timeouts);
  }
  auto security = std::make_shared<Security>();
  security->auth = std::make_unique<BasicAuthenticator>(options_.web.basic_auth_users, DefaultClock());
  security->headers = options_.web.headers;
  security_ = std::move(security);

  const size_t min_threads = static_cast<size_t>(std::max(1, options_.min_threads));
  const size_t max_threads = static_cast<size_t>(std::max(options_.min_threads, options_.max_threads));
  // httplib takes ownership of the queue it is handed.
  server_->new_task_queue = [min_threads, max_threads] {
    return new ElasticThreadPool(min_threads, max_threads);
  };
  server_->set_keep_alive_max_count(1000);
  // httplib's default adds SO_REUSEPORT, which lets a second exporter bind the
  // same port and silently steal half the scrapes; plain SO_REUSEADDR refuses it.
  server_->set_socket_options([this](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listen_socket_ = sock;
  });
  // A response leaves in two writes (headers, body): with Nagle on, a reused
  // keep-alive connection holds the body until the client's delayed ACK, 40 ms
  // on every scrape after the first. Accepted sockets inherit it on Linux.
  server_->set_tcp_nodelay(true);
  // Called after the response was written: after a big plain body, hand the
  // freed memory back to the system. (/metrics bodies do it when released.)
  server_->set_logger([](const httplib::Request&, const httplib::Response& res) {
    if (res.body.size() >= kTrimAfterBytes) malloc_trim(0);
    // After a malformed request line or header the next request's start is
    // unknown: close rather than resynchronise (RFC 9112 §6.1, request smuggling).
    if (res.status == 400) CloseConnectionAfterResponse();
  });
  InstallRoutes();
}

HttpServer::~HttpServer() { Stop(); }

bool HttpServer::tls() const { return tls_holder_ != nullptr; }

std::shared_ptr<const HttpServer::Security> HttpServer::security() const {
  std::lock_guard<std::mutex> lock(mu_);
  return security_;
}

Status HttpServer::ApplyWebConfig(const WebSecurityConfig& web) {
  if (web.tls.has_value() != tls()) {
    return Status::InvalidArgument(
        web.source + ": switching between HTTP and HTTPS (tls_server_config) needs a restart; "
                     "the running web config stays");
  }
  if (web.tls) {
    auto ctx = BuildServerTls(*web.tls);
    if (!ctx.ok()) return Status::InvalidArgument(web.source + ": " + ctx.status().message());
    tls_holder_->Set(*ctx);
  }
  auto security = std::make_shared<Security>();
  security->auth = std::make_unique<BasicAuthenticator>(web.basic_auth_users, DefaultClock());
  security->headers = web.headers;
  std::lock_guard<std::mutex> lock(mu_);
  security_ = std::move(security);
  return Status::Ok();
}

void HttpServer::InstallRoutes() {
  // Authentication, the lifecycle API and methods, before any route runs.
  server_->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    auto security = this->security();
    for (const auto& [name, value] : security->headers) res.set_header(name, value);
    // Framed two ways: a proxy and this server could disagree on where the
    // body ends, and the rest would be read as another request (smuggling).
    if (req.has_header("Transfer-Encoding") && req.has_header("Content-Length")) {
      res.set_header("Connection", "close");
      SetPlainText(res, 400, "400 Bad Request: both Content-Length and Transfer-Encoding\n");
      return httplib::Server::HandlerResponse::Handled;
    }
    const std::string& path = req.path;
    if (!IsOpenPath(path) && security->auth->enabled() &&
        !security->auth->Allows(req.get_header_value("Authorization"))) {
      res.set_header("WWW-Authenticate", "Basic");
      SetPlainText(res, 401, "Unauthorized\n");
      return httplib::Server::HandlerResponse::Handled;
    }
    const bool get = req.method == "GET" || req.method == "HEAD";
    if (IsLifecyclePath(path)) {
      if (req.method != "POST" && req.method != "PUT") {
        res.set_header("Allow", "POST, PUT");
        SetPlainText(res, 405, "405 method " + req.method + " not allowed; use POST or PUT\n");
      } else if (!options_.enable_lifecycle) {
        SetPlainText(res, 403, "Lifecycle API is not enabled (--web.enable-lifecycle).\n");
      } else if (path == "/-/reload") {
        Status reloaded = options_.reload();
        if (reloaded.ok()) {
          SetPlainText(res, 200, "Reloaded.\n");
        } else {
          SetPlainText(res, 500, "failed to reload config:\n" + reloaded.message() + "\n");
        }
      } else {
        SetPlainText(res, 200, "Requesting termination... Goodbye!\n");
        options_.quit();
      }
      return httplib::Server::HandlerResponse::Handled;
    }
    if (get) return httplib::Server::HandlerResponse::Unhandled;
    const bool known = req.method == "CONNECT" || path == "/" || path == options_.telemetry_path || IsOpenPath(path) ||
                       (path == "/config" && options_.config_page);
    if (known) {
      res.set_header("Allow", "GET, HEAD");
      SetPlainText(res, 405, "405 method " + req.method + " not allowed; use GET or HEAD\n");
    } else {
      SetPlainText(res, 404, "404 page not found\n");
    }
    return httplib::Server::HandlerResponse::Handled;
  });

  server_->Get("/", [this](const httplib::Request&, httplib::Response& res) {
    LandingInfo landing = options_.landing;
    landing.telemetry_path = options_.telemetry_path;
    res.set_content(RenderLandingPage(landing), "text/html; charset=utf-8");
  });
  server_->Get("/-/healthy", [](const httplib::Request&, httplib::Response& res) {
    SetPlainText(res, 200, "replica_sql_exporter is Healthy.\n");
  });
  // The config and catalog are loaded before the server starts, so serving means ready.
  server_->Get("/-/ready", [](const httplib::Request&, httplib::Response& res) {
    SetPlainText(res, 200, "replica_sql_exporter is Ready.\n");
  });
  if (options_.config_page) {
    server_->Get("/config", [this](const httplib::Request&, httplib::Response& res) {
      SetPlainText(res, 200, options_.config_page());
    });
  }
  server_->Get(options_.telemetry_path, [this](const httplib::Request& req, httplib::Response& res) {
    ScrapeRequest scrape;
    if (req.has_header("X-Prometheus-Scrape-Timeout-Seconds")) {
      scrape.timeout_header = req.get_header_value("X-Prometheus-Scrape-Timeout-Seconds");
    }
    ExpositionFormat format = NegotiateFormat(req.get_header_value("Accept"));
    // Compressed here, by our reading of Accept-Encoding (q=0 refuses):
    // httplib's own would gzip whenever the header merely mentions gzip.
    auto body = ResponseBody::Render(metrics_(scrape), format,
                                     AcceptsGzip(req.get_header_value("Accept-Encoding")),
                                     stable_runs_.get());
    if (!body.ok()) {
      logger_->Error("could not render the scrape", {{"err", body.status().message()}});
      SetPlainText(res, 500, "500 internal error\n");
      return;
    }
    if (body->gzipped()) res.set_header("Content-Encoding", "gzip");
    res.set_header("Vary", "Accept, Accept-Encoding");
    if (body->size() == 0) {
      res.set_content("", ContentTypeFor(format));
      return;
    }
    // A sized content provider: httplib writes the runs as they are, never
    // re-encodes them; cached blocks are sent from their memo, not copied.
    // Held through a slot the releaser empties: httplib calls it when the
    // response is done, while the provider (and its copy of the slot) still
    // lives, so the body, and with it an uncached result, is freed there and
    // the memory handed back to the system at once after a big one.
    auto slot = std::make_shared<std::shared_ptr<const ResponseBody>>(
        std::make_shared<const ResponseBody>(std::move(*body)));
    const size_t size = (*slot)->size();
    res.set_content_provider(
        size, ContentTypeFor(format),
        [slot](size_t offset, size_t length, httplib::DataSink& sink) {
          return (*slot)->Write(offset, length,
                                [&](const char* data, size_t n) { return sink.write(data, n); });
        },
        [slot, size](bool) {
          slot->reset();
          if (size >= kTrimAfterBytes) malloc_trim(0);
        });
  });
  server_->set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.status == 404 && res.body.empty()) SetPlainText(res, 404, "404 page not found\n");
  });
  server_->set_exception_handler(
      [this](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown exception";
        try {
          std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        logger_->Error("request failed", {{"path", req.path}, {"err", what}});
        SetPlainText(res, 500, "500 internal error\n");
      });
}

Status HttpServer::Bind(const HostPort& address) {
  if (!init_error_.ok()) return init_error_;
  if (!server_->is_valid()) {
    return Status::InvalidArgument(options_.web.source + ": the TLS server could not be set up");
  }
  const std::string host = address.host.empty() ? "0.0.0.0" : address.host;
  if (address.port == 0) {
    port_ = server_->bind_to_any_port(host);
  } else {
    port_ = server_->bind_to_port(host, address.port) ? address.port : -1;
  }
  // httplib listens with a backlog of 5 (built into the library): a burst of
  // scrapes beyond it has SYNs dropped and retried after 1 s, 3 s, ... Listening
  // again on the bound socket raises the backlog.
  if (port_ >= 0 && listen_socket_ >= 0) ::listen(listen_socket_, SOMAXCONN);
  if (port_ < 0) {
    return Status::Unavailable("cannot listen on " + address.ToString() +
                               ": the port is in use or the address is not on this machine");
  }
  return Status::Ok();
}

Status HttpServer::Serve() {
  if (port_ < 0) return Status::Internal("HttpServer::Serve() called before a successful Bind()");
  if (!server_->listen_after_bind())
    return Status::Unavailable("HTTP server stopped with an error");
  return Status::Ok();
}

bool HttpServer::IsRunning() const { return server_->is_running(); }

// A no-op when not serving (httplib checks), so it is safe from a destructor.
void HttpServer::Stop() { server_->stop(); }

}  // namespace rse
