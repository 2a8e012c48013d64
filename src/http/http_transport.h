// HTTP/1.1 over TCP, plain or TLS, on Boost.Beast's public API. One event
// loop (two threads) accepts and reads every connection; a handler runs on a
// thread of its own (a scrape blocks until its deadline), so slow, idle or
// half-open connections cost a socket and a buffer, never a thread, and idle
// ones no CPU. A request (and a TLS handshake) must arrive whole within
// `request` however slowly its bytes trickle; pipelined requests are read one
// after another from the connection's buffer and all answered in order; after
// a request that cannot be parsed the answer is 4xx and the connection closes.
#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "base/log.h"
#include "base/status.h"
#include "http/http_message.h"

namespace rse {

// What ps and /proc call the handler threads: tests count the threads beside
// them (idle ones leave only after 30 s).
inline constexpr const char* kHandlerThreadName = "rse-http";

struct TransportOptions {
  std::chrono::milliseconds request{5000};     // From a request's first byte to its last.
  std::chrono::milliseconds keep_alive{2000};  // Idle between requests.
  std::chrono::milliseconds write{5000};       // Per write that makes no progress.
  size_t min_threads = 4;                      // Handler threads kept when idle.
  size_t max_threads = 256;                    // Handlers running at once; more queue.
  size_t max_requests_per_connection = 1000;   // The last is answered "Connection: close".
  // Open connections at most: one more is closed as soon as it is accepted
  // (refused at once, not queued without a deadline).
  size_t max_connections = 16384;
  size_t header_limit = 16 << 10;              // Request line and headers: 431 past it.
  size_t body_limit = 64 << 10;                // 413 past it (no route takes a body).
};

// Runs on a handler thread; must not throw.
using RequestHandler = std::function<HttpResponse(const HttpRequest&)>;
// With TLS, every connection starts with a handshake on the context this
// returns at that moment (a reload swaps it for later connections).
using TlsContextSource = std::function<std::shared_ptr<SSL_CTX>()>;

class HttpTransport {
 public:
  // `tls` null: plain HTTP.
  HttpTransport(TransportOptions options, RequestHandler handler, TlsContextSource tls,
                Logger* logger);
  ~HttpTransport();
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  // Binds and listens (backlog SOMAXCONN, SO_REUSEADDR without SO_REUSEPORT,
  // so a second exporter on the same port fails). Port 0 picks a free one.
  Status Bind(const std::string& host, int port);
  int port() const;
  // Serves until Stop(); then waits for running handlers and returns.
  Status Serve();
  bool IsRunning() const;
  // From any thread, also before or after Serve().
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rse
