#include "http/http_server.h"

#include "http/basic_auth.h"
#include "http/http_transport.h"
#include "http/tls_context.h"

namespace rse {
namespace {

// A response write that makes no progress for this long ends the connection.
constexpr std::chrono::seconds kWriteTimeout{5};
// An idle keep-alive connection costs a socket, no thread and no CPU; 2 s
// serves bursts (a browser, a retry, a benchmark) and lets a connection go
// between Prometheus scrapes, which then open a new one.
constexpr std::chrono::seconds kKeepAlive{2};

std::shared_ptr<const RouteSecurity> MakeSecurity(const WebSecurityConfig& web) {
  auto security = std::make_shared<RouteSecurity>();
  security->auth = std::make_unique<BasicAuthenticator>(web.basic_auth_users, DefaultClock());
  security->headers = web.headers;
  return security;
}

}  // namespace

HttpServer::HttpServer(HttpServerOptions options, MetricsHandler metrics, Logger* logger)
    : options_(std::move(options)), logger_(logger) {
  TlsContextSource tls;
  if (options_.web.tls) {
    auto current = BuildServerTls(*options_.web.tls);
    if (!current.ok()) {
      init_error_ = Status::InvalidArgument(options_.web.source + ": " + current.status().message());
      tls_holder_ = std::make_unique<TlsContextHolder>(nullptr);
    } else {
      tls_holder_ = std::make_unique<TlsContextHolder>(*current);
    }
    TlsContextHolder* holder = tls_holder_.get();
    tls = [holder] { return holder->Current(); };
  }
  routes_ = std::make_unique<Routes>(options_, std::move(metrics), logger_);
  security_ = MakeSecurity(options_.web);
  TransportOptions transport;
  transport.request = options_.request_timeout;
  transport.keep_alive = kKeepAlive;
  transport.write = kWriteTimeout;
  transport.min_threads = static_cast<size_t>(std::max(1, options_.min_threads));
  transport.max_threads = static_cast<size_t>(std::max(options_.min_threads, options_.max_threads));
  transport.max_connections = static_cast<size_t>(std::max(1, options_.max_connections));
  transport_ = std::make_unique<HttpTransport>(
      transport,
      [this](const HttpRequest& request) { return routes_->Handle(request, *security()); },
      std::move(tls), logger_);
}

HttpServer::~HttpServer() {
  Stop();
  transport_.reset();  // Before the routes and security its requests use.
}

bool HttpServer::tls() const { return tls_holder_ != nullptr; }

int HttpServer::port() const { return transport_->port(); }

std::shared_ptr<const RouteSecurity> HttpServer::security() const {
  MutexLock lock(&mu_);
  return security_;
}

StatusOr<HttpServer::PreparedWeb> HttpServer::PrepareWebConfig(const WebSecurityConfig& web) const {
  if (web.tls.has_value() != tls()) {
    return Status::InvalidArgument(
        web.source + ": switching between HTTP and HTTPS (tls_server_config) needs a restart; "
                     "the running web config stays");
  }
  PreparedWeb prepared;
  if (web.tls) {
    auto ctx = BuildServerTls(*web.tls);
    if (!ctx.ok()) return Status::InvalidArgument(web.source + ": " + ctx.status().message());
    prepared.tls = std::move(*ctx);
  }
  prepared.security = MakeSecurity(web);
  return prepared;
}

void HttpServer::CommitWebConfig(PreparedWeb prepared) {
  if (prepared.tls) tls_holder_->Set(std::move(*prepared.tls));
  MutexLock lock(&mu_);
  security_ = std::move(prepared.security);
}

Status HttpServer::ApplyWebConfig(const WebSecurityConfig& web) {
  auto prepared = PrepareWebConfig(web);
  if (!prepared.ok()) return prepared.status();
  CommitWebConfig(std::move(*prepared));
  return Status::Ok();
}

Status HttpServer::Bind(const HostPort& address) {
  if (!init_error_.ok()) return init_error_;
  const std::string host = address.host.empty() ? "0.0.0.0" : address.host;
  Status bound = transport_->Bind(host, address.port);
  if (!bound.ok()) {
    return Status::Unavailable("cannot listen on " + address.ToString() +
                               ": the port is in use or the address is not on this machine (" +
                               bound.message() + ")");
  }
  return Status::Ok();
}

Status HttpServer::Serve() {
  if (port() < 0) return Status::Internal("HttpServer::Serve() called before a successful Bind()");
  return transport_->Serve();
}

bool HttpServer::IsRunning() const { return transport_->IsRunning(); }

void HttpServer::Stop() { transport_->Stop(); }

}  // namespace rse
