#include "http/connection_server.h"

#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace rse {
namespace {

using SteadyClock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;

Millis Left(SteadyClock::time_point until) {
  return std::max(Millis(0), std::chrono::duration_cast<Millis>(until - SteadyClock::now()));
}

// Waits until `events` on `sock` or `until`; true when they came (or an error
// or hang-up did, which the next call reports).
bool WaitFor(int sock, short events, SteadyClock::time_point until) {
  pollfd pfd{sock, events, 0};
  while (true) {
    const int n = ::poll(&pfd, 1, static_cast<int>(Left(until).count()));
    if (n > 0) return true;
    if (n == 0 || errno != EINTR) return false;
  }
}

void AddressOf(int sock, bool peer, std::string& ip, int& port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  const int rc = peer ? ::getpeername(sock, reinterpret_cast<sockaddr*>(&addr), &len)
                      : ::getsockname(sock, reinterpret_cast<sockaddr*>(&addr), &len);
  if (rc != 0) return;
  char host[NI_MAXHOST];
  char serv[NI_MAXSERV];
  if (::getnameinfo(reinterpret_cast<sockaddr*>(&addr), len, host, sizeof host, serv, sizeof serv,
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0)
    return;
  ip = host;
  port = std::atoi(serv);
}

// The outcome of one non-blocking read or write: bytes moved, or what to wait for.
struct Io {
  ssize_t bytes = 0;  // > 0: moved; 0 with wait == 0: the peer closed.
  short wait = 0;     // POLLIN / POLLOUT: try again when the socket is ready.
  bool failed = false;
};

// Plain socket, or TLS on it. The socket is non-blocking: every wait is a
// poll() bounded by the caller's deadline.
class Transport {
 public:
  Transport(int sock, SSL* ssl) : sock_(sock), ssl_(ssl) {}
  ~Transport() {
    if (ssl_ != nullptr) {
      if (handshaken_) SSL_shutdown(ssl_);  // One try: no wait for the peer's reply.
      SSL_free(ssl_);
    }
  }
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  int sock() const { return sock_; }

  bool Handshake(SteadyClock::time_point until) {
    if (ssl_ == nullptr) return true;
    while (true) {
      ERR_clear_error();
      const int rc = SSL_accept(ssl_);
      if (rc == 1) return handshaken_ = true;
      const short wait = SslWait(rc);
      if (wait == 0 || !WaitFor(sock_, wait, until)) return false;
    }
  }

  // Decrypted bytes OpenSSL holds that no poll() on the socket would show.
  bool HasPending() const { return ssl_ != nullptr && SSL_pending(ssl_) > 0; }

  Io Read(char* buf, size_t size) {
    if (ssl_ != nullptr) {
      ERR_clear_error();
      const int n = SSL_read(ssl_, buf, static_cast<int>(std::min<size_t>(size, INT32_MAX)));
      if (n > 0) return {n, 0, false};
      if (SSL_get_error(ssl_, n) == SSL_ERROR_ZERO_RETURN) return {0, 0, false};
      const short wait = SslWait(n);
      return {-1, wait, wait == 0};
    }
    const ssize_t n = ::recv(sock_, buf, size, 0);
    if (n >= 0) return {n, 0, false};
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return {-1, POLLIN, false};
    return {-1, 0, true};
  }

  Io Write(const char* buf, size_t size) {
    if (ssl_ != nullptr) {
      ERR_clear_error();
      const int n = SSL_write(ssl_, buf, static_cast<int>(std::min<size_t>(size, INT32_MAX)));
      if (n > 0) return {n, 0, false};
      const short wait = SslWait(n);
      return {-1, wait, wait == 0};
    }
    const ssize_t n = ::send(sock_, buf, size, MSG_NOSIGNAL);
    if (n >= 0) return {n, 0, false};
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return {-1, POLLOUT, false};
    return {-1, 0, true};
  }

 private:
  short SslWait(int rc) const {
    switch (SSL_get_error(ssl_, rc)) {
      case SSL_ERROR_WANT_READ: return POLLIN;
      case SSL_ERROR_WANT_WRITE: return POLLOUT;
      default: return 0;
    }
  }

  const int sock_;
  SSL* const ssl_;
  bool handshaken_ = false;
};

// One connection's stream. Bytes read past the current request stay in
// buf_ for the next one.
class ConnectionStream final : public httplib::Stream {
 public:
  ConnectionStream(Transport* transport, const ConnectionTimeouts& timeouts)
      : io_(transport), timeouts_(timeouts) {}

  // Waits for the next request's first byte, for at most the keep-alive time,
  // and starts its time limit. False when the client went away, stayed silent,
  // or the server is stopping.
  bool NextRequest(const std::atomic<socket_t>& server_socket) {
    if (Buffered() == 0 && !io_->HasPending()) {
      // In slices, so that a stopping server does not wait out the keep-alive.
      const auto until = SteadyClock::now() + timeouts_.keep_alive;
      while (true) {
        if (server_socket == INVALID_SOCKET || Left(until).count() == 0) return false;
        if (WaitFor(io_->sock(), POLLIN, std::min(until, SteadyClock::now() + Millis(100)))) break;
      }
    }
    request_deadline_ = SteadyClock::now() + timeouts_.request;
    return true;
  }

  bool is_readable() const override {
    return Buffered() > 0 || io_->HasPending() || WaitFor(io_->sock(), POLLIN, request_deadline_);
  }
  bool is_writable() const override {
    return WaitFor(io_->sock(), POLLOUT, SteadyClock::now() + timeouts_.write);
  }

  ssize_t read(char* ptr, size_t size) override {
    while (Buffered() == 0) {
      const Io io = io_->Read(buf_, sizeof buf_);
      if (io.bytes > 0) {
        begin_ = 0;
        end_ = static_cast<size_t>(io.bytes);
      } else if (io.bytes == 0 && io.wait == 0 && !io.failed) {
        return 0;  // Closed by the client.
      } else if (io.failed || !WaitFor(io_->sock(), io.wait, request_deadline_)) {
        return -1;  // Broken, or the request took longer than allowed.
      }
    }
    const size_t n = std::min(size, Buffered());
    std::memcpy(ptr, buf_ + begin_, n);
    begin_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    while (true) {
      const Io io = io_->Write(ptr, size);
      if (io.bytes > 0) return io.bytes;
      if (io.failed || io.wait == 0) return -1;
      if (!WaitFor(io_->sock(), io.wait, SteadyClock::now() + timeouts_.write)) return -1;
    }
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    AddressOf(io_->sock(), true, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    AddressOf(io_->sock(), false, ip, port);
  }
  socket_t socket() const override { return io_->sock(); }

 private:
  size_t Buffered() const { return end_ - begin_; }

  Transport* const io_;
  const ConnectionTimeouts timeouts_;
  SteadyClock::time_point request_deadline_ = SteadyClock::now();
  char buf_[4096];
  size_t begin_ = 0;
  size_t end_ = 0;
};

thread_local bool close_after_response = false;

}  // namespace

void CloseConnectionAfterResponse() { close_after_response = true; }

bool ConnectionServer::process_and_close_socket(socket_t sock) {
  bool ok = false;
  {
    ::fcntl(sock, F_SETFL, ::fcntl(sock, F_GETFL) | O_NONBLOCK);
    std::shared_ptr<SSL_CTX> ctx = tls_ ? tls_() : nullptr;  // Held for the connection's life.
    SSL* ssl = nullptr;
    if (tls_) {
      ssl = ctx ? SSL_new(ctx.get()) : nullptr;
      if (ssl == nullptr || SSL_set_fd(ssl, sock) != 1) {
        if (ssl != nullptr) SSL_free(ssl);
        ::close(sock);
        return false;
      }
    }
    Transport transport(sock, ssl);
    if (transport.Handshake(SteadyClock::now() + timeouts_.request)) {
      ConnectionStream stream(&transport, timeouts_);
      // As httplib's loop: the last request allowed on a connection is
      // answered with "Connection: close".
      for (size_t left = keep_alive_max_count_; left > 0 && stream.NextRequest(svr_sock_); --left) {
        bool closed = false;
        close_after_response = false;
        ok = process_request(stream, left == 1, closed, nullptr);
        if (!ok || closed || close_after_response) break;
      }
    }
  }  // The TLS session ends before its socket does.
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return ok;
}

}  // namespace rse
