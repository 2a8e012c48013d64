// httplib::Server with our own connection loop, for plain HTTP and TLS alike.
// One buffered stream per connection, kept across its requests, so pipelined
// requests are all answered (cpp-httplib 0.11 makes a new stream per request,
// dropping what it read past the first one, and with TLS waits on the socket
// while the next request sits decrypted in OpenSSL); a request (and the TLS
// handshake) must arrive whole within a time limit that extra bytes do not
// renew, so a client trickling a byte at a time cannot hold a thread; an idle
// keep-alive connection waits in poll(), not in httplib's 10 ms polling loop.
#pragma once

#include <httplib.h>
#include <openssl/ssl.h>

#include <chrono>
#include <functional>
#include <memory>

namespace rse {

struct ConnectionTimeouts {
  std::chrono::milliseconds request{5000};     // From a request's first byte to its last.
  std::chrono::milliseconds keep_alive{2000};  // Idle between requests.
  std::chrono::milliseconds write{5000};       // Per write that makes no progress.
};

// From a handler or the logger, in the thread that serves the request: the
// connection is closed once this response is written, whatever keep-alive
// says (a request whose framing cannot be trusted: what follows it on the
// connection cannot be parsed safely).
void CloseConnectionAfterResponse();

class ConnectionServer : public httplib::Server {
 public:
  // With `tls`, every connection starts with a TLS handshake on the context
  // it returns at that moment (a reload swaps it for later connections).
  using TlsContextSource = std::function<std::shared_ptr<SSL_CTX>()>;
  ConnectionServer(ConnectionTimeouts timeouts, TlsContextSource tls = nullptr)
      : timeouts_(timeouts), tls_(std::move(tls)) {}

 private:
  bool process_and_close_socket(socket_t sock) override;

  const ConnectionTimeouts timeouts_;
  const TlsContextSource tls_;
};

}  // namespace rse
