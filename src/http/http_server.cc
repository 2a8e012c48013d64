#include "http/http_server.h"

#include <httplib.h>
#include <malloc.h>
#include <sys/socket.h>

#include "exposition/content_type.h"
#include "exposition/text_format.h"
#include "http/gzip.h"

namespace rse {
namespace {

constexpr const char* kAllowedMethods = "GET, HEAD";
constexpr size_t kTrimAfterBytes = 256 << 10;  // Compressed size, when compressed.
constexpr const char* kRoutes[] = {"/", "/metrics", "/-/healthy", "/-/ready"};

void SetPlainText(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_content(body, "text/plain; charset=utf-8");
}

}  // namespace

HttpServer::HttpServer(HttpServerOptions options, MetricsHandler metrics, Logger* logger)
    : options_(std::move(options)),
      metrics_(std::move(metrics)),
      logger_(logger),
      server_(std::make_unique<httplib::Server>()) {
  const int threads = options_.worker_threads;
  // httplib takes ownership of the queue it is handed.
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // httplib's default adds SO_REUSEPORT, which lets a second exporter bind the
  // same port and silently steal half the scrapes; plain SO_REUSEADDR refuses it.
  server_->set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  // A response leaves in two writes (headers, body): with Nagle on, a reused
  // keep-alive connection holds the body until the client's delayed ACK, 40 ms
  // on every scrape after the first. Accepted sockets inherit it on Linux.
  server_->set_tcp_nodelay(true);
  // Called after the response was written: after a big one, hand the freed
  // memory back to the system at once, so RSS returns to idle after a scrape.
  server_->set_logger([](const httplib::Request&, const httplib::Response& res) {
    if (res.body.size() >= kTrimAfterBytes) malloc_trim(0);
  });
  InstallRoutes();
}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::InstallRoutes() {
  server_->Get("/", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(RenderLandingPage(options_.landing), "text/html; charset=utf-8");
  });
  server_->Get("/-/healthy", [](const httplib::Request&, httplib::Response& res) {
    SetPlainText(res, 200, "replica_sql_exporter is Healthy.\n");
  });
  // The config and catalog are loaded before the server starts, so serving means ready.
  server_->Get("/-/ready", [](const httplib::Request&, httplib::Response& res) {
    SetPlainText(res, 200, "replica_sql_exporter is Ready.\n");
  });
  server_->Get("/metrics", [this](const httplib::Request& req, httplib::Response& res) {
    ScrapeRequest scrape;
    if (req.has_header("X-Prometheus-Scrape-Timeout-Seconds")) {
      scrape.timeout_header = req.get_header_value("X-Prometheus-Scrape-Timeout-Seconds");
    }
    std::vector<MetricFamily> families = metrics_(scrape);
    ExpositionFormat format = NegotiateFormat(req.get_header_value("Accept"));
    std::string body = format == ExpositionFormat::kOpenMetrics ? RenderOpenMetrics(families)
                                                                : RenderText(families);
    // httplib compresses text/* bodies itself; the OpenMetrics type is not
    // text/*, so that one is compressed here.
    if (format == ExpositionFormat::kOpenMetrics &&
        AcceptsGzip(req.get_header_value("Accept-Encoding"))) {
      if (auto compressed = GzipCompress(body); compressed.ok()) {
        body = std::move(*compressed);
        res.set_header("Content-Encoding", "gzip");
      }
    }
    res.set_header("Vary", "Accept, Accept-Encoding");
    res.set_content(body, ContentTypeFor(format));
  });
  auto not_allowed = [](const httplib::Request& req, httplib::Response& res) {
    res.set_header("Allow", kAllowedMethods);
    SetPlainText(res, 405, "405 method " + req.method + " not allowed; use GET or HEAD\n");
  };
  for (const char* route : kRoutes) {
    server_->Post(route, not_allowed);
    server_->Put(route, not_allowed);
    server_->Patch(route, not_allowed);
    server_->Delete(route, not_allowed);
    server_->Options(route, not_allowed);
  }
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
  const std::string host = address.host.empty() ? "0.0.0.0" : address.host;
  if (address.port == 0) {
    port_ = server_->bind_to_any_port(host);
  } else {
    port_ = server_->bind_to_port(host, address.port) ? address.port : -1;
  }
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
