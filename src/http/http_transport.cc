#include "http/http_transport.h"

#include <boost/asio/io_context.hpp>
#include <thread>
#include <vector>

#include "http/http_connection.h"

namespace rse {
using namespace http_internal;  // One connection: http_connection.h.

class HttpTransport::Impl {
 public:
  Impl(TransportOptions options, RequestHandler handler, TlsContextSource tls, Logger* logger)
      : ioc_(kLoopThreads),
        acceptor_(ioc_),
        retry_(ioc_),
        workers_(std::max<size_t>(1, options.min_threads),
                 std::max(options.min_threads, options.max_threads), std::chrono::seconds(30),
                 kHandlerThreadName),
        shared_{options, std::move(handler), &workers_, {}},
        tls_(std::move(tls)),
        logger_(logger) {}

  ~Impl() { Stop(); }

  Status Bind(const std::string& host, int port) {
    error_code ec;
    tcp::resolver resolver(ioc_);
    auto endpoints = resolver.resolve(host, std::to_string(port),
                                      tcp::resolver::passive | tcp::resolver::numeric_service, ec);
    if (ec) return Status::Unavailable("cannot resolve " + host + ": " + ec.message());
    for (const auto& entry : endpoints) {
      acceptor_.open(entry.endpoint().protocol(), ec);
      // SO_REUSEADDR alone: a restarted exporter binds at once, a second
      // one on the same port fails instead of taking half the scrapes.
      if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
      if (!ec) acceptor_.bind(entry.endpoint(), ec);
      if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
      if (!ec) return Status::Ok();
      error_code ignored;
      acceptor_.close(ignored);
    }
    return Status::Unavailable("cannot listen on " + host + ":" + std::to_string(port) + ": " +
                               (ec ? ec.message() : std::string("no address")));
  }

  int port() const {
    error_code ec;
    auto endpoint = acceptor_.local_endpoint(ec);
    return ec ? -1 : endpoint.port();
  }

  Status Serve() {
    if (!acceptor_.is_open()) return Status::Internal("HttpTransport::Serve() called before Bind()");
    running_ = true;
    net::post(acceptor_.get_executor(), [this] { Accept(); });
    std::vector<std::thread> loops;
    for (int i = 1; i < kLoopThreads; ++i) loops.emplace_back([this] { Run(); });
    Run();
    for (std::thread& loop : loops) loop.join();
    workers_.Shutdown();  // Handlers still running finish; their answers go nowhere.
    running_ = false;
    return Status::Ok();
  }

  bool IsRunning() const { return running_ && !ioc_.stopped(); }

  void Stop() { ioc_.stop(); }

 private:
  void Run() {
    while (!ioc_.stopped()) {
      try {
        ioc_.run();
      } catch (const std::exception& e) {
        logger_->Error("HTTP connection failed", {{"err", e.what()}});
      }
    }
  }

  void Accept() {
    acceptor_.async_accept(net::make_strand(ioc_), [this](const error_code& ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted) return;
      if (ec) {
        // Out of descriptors or memory: try again shortly rather than spin.
        if (!accept_failing_.exchange(true)) {
          logger_->Warn("cannot accept connections", {{"err", ec.message()}});
        }
        retry_.expires_after(std::chrono::milliseconds(50));
        retry_.async_wait([this](const error_code& wait) {
          if (!wait) Accept();
        });
        return;
      }
      accept_failing_ = false;
      if (shared_.open.load() >= shared_.options.max_connections) {
        // Over the limit: closed now (the client sees the connection end),
        // rather than held where no deadline runs.
        if (!over_limit_.exchange(true)) {
          logger_->Warn("too many open HTTP connections; closing new ones",
                        {{"limit", std::to_string(shared_.options.max_connections)}});
        }
        error_code ignored;
        socket.close(ignored);
        Accept();
        return;
      }
      over_limit_ = false;
      // A response leaves in one gather write, but a reused connection
      // should not wait for the client's delayed ACK either.
      error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      StartConnection(std::move(socket));
      Accept();
    });
  }

  void StartConnection(tcp::socket socket) {
    if (!tls_) {
      std::make_shared<Connection<beast::tcp_stream>>(std::move(socket), nullptr, &shared_)->Start();
      return;
    }
    std::shared_ptr<SSL_CTX> ctx = tls_();  // Taken now: a reload swaps it for later connections.
    if (!ctx) return;                       // Closes the socket.
    // asio's context takes a reference of its own and drops it when done.
    SSL_CTX_up_ref(ctx.get());
    auto context = std::make_shared<ssl::context>(ctx.get());
    std::make_shared<Connection<SslStream>>(std::move(socket), std::move(context), &shared_)->Start();
  }

  // Declared before what uses it: destroyed last, after the handler threads
  // (which hold connections) are joined.
  net::io_context ioc_;
  tcp::acceptor acceptor_;
  net::steady_timer retry_;
  WorkerPool workers_;
  const Shared shared_;
  const TlsContextSource tls_;
  Logger* const logger_;
  std::atomic<bool> running_{false};
  std::atomic<bool> accept_failing_{false};
  std::atomic<bool> over_limit_{false};
};

HttpTransport::HttpTransport(TransportOptions options, RequestHandler handler, TlsContextSource tls,
                             Logger* logger)
    : impl_(std::make_unique<Impl>(options, std::move(handler), std::move(tls), logger)) {}

HttpTransport::~HttpTransport() = default;

Status HttpTransport::Bind(const std::string& host, int port) { return impl_->Bind(host, port); }
int HttpTransport::port() const { return impl_->port(); }
Status HttpTransport::Serve() { return impl_->Serve(); }
bool HttpTransport::IsRunning() const { return impl_->IsRunning(); }
void HttpTransport::Stop() { impl_->Stop(); }

}  // namespace rse
