// Internal to http/: one connection of HttpTransport, plain or TLS: wait for
// a request, read it whole, hand it to a handler thread, write the answer,
// again; and the limits and shared state every connection of a transport
// uses. Included by http_transport.cc only.
#pragma once

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>
#include <sstream>

#include "base/memory.h"
#include "base/worker_pool.h"
#include "http/http_transport.h"
#include "http/request_reader.h"

namespace rse::http_internal {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using beast::error_code;
using SslStream = beast::ssl_stream<beast::tcp_stream>;

// Two loop threads: TLS handshakes are CPU work; everything else is waiting.
constexpr int kLoopThreads = 2;
// After a response this big, the freed memory goes back to the system.
constexpr size_t kTrimAfterBytes = 256 << 10;
// How long a closing connection waits for the client's last bytes (plain) or
// its close_notify (TLS), so the last response is not cut by a reset.
constexpr std::chrono::milliseconds kLinger{1000};
constexpr size_t kReadChunk = 4096;

// What every connection of one transport shares.
struct Shared {
  TransportOptions options;
  RequestHandler handler;
  WorkerPool* workers;
  mutable std::atomic<size_t> open{0};  // Connections alive.
};

// Status line and headers, as Beast serialises them.
inline std::string SerializeHead(const HttpResponse& response, unsigned version, bool keep_alive) {
  http::response<http::empty_body> head;
  head.version(version);
  head.result(static_cast<unsigned>(response.status));
  for (const auto& [name, value] : response.headers) head.set(name, value);
  head.content_length(response.size());
  head.keep_alive(keep_alive);
  std::ostringstream out;
  out << head.base();
  return out.str();
}

template <class Stream>
Stream MakeStream(tcp::socket&& socket, ssl::context* tls);
template <>
inline beast::tcp_stream MakeStream(tcp::socket&& socket, ssl::context*) {
  return beast::tcp_stream(std::move(socket));
}
template <>
inline SslStream MakeStream(tcp::socket&& socket, ssl::context* tls) {
  return SslStream(std::move(socket), *tls);
}

// One connection: wait for a request, read it whole, hand it to a handler
// thread, write the answer, again. Only one operation is in flight at a
// time, all on the connection's strand.
template <class Stream>
class Connection : public std::enable_shared_from_this<Connection<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, SslStream>;

 public:
  Connection(tcp::socket socket, std::shared_ptr<ssl::context> tls, const Shared* shared)
      : shared_(shared),
        tls_(std::move(tls)),
        stream_(MakeStream<Stream>(std::move(socket), tls_.get())),
        buffer_(shared->options.header_limit + shared->options.body_limit + kReadChunk) {
    ++shared_->open;
  }
  ~Connection() { --shared_->open; }

  void Start() {
    if constexpr (kTls) {
      Tcp().expires_after(shared_->options.request);
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](const error_code& ec) {
                                if (ec) return self->Abort();
                                self->WaitForRequest();
                              });
    } else {
      WaitForRequest();
    }
  }

 private:
  beast::tcp_stream& Tcp() { return beast::get_lowest_layer(stream_); }

  // The request's time limit starts at its first byte: until then the
  // connection is idle, for at most the keep-alive time.
  void WaitForRequest() {
    if (buffer_.size() > 0) return ReadRequest();
    Tcp().expires_after(shared_->options.keep_alive);
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            [self = this->shared_from_this()](const error_code& ec, size_t n) {
                              if (ec) return self->Close();
                              self->buffer_.commit(n);
                              self->ReadRequest();
                            });
  }

  void ReadRequest() {
    parser_.emplace();
    ApplyLimits({shared_->options.header_limit, shared_->options.body_limit}, &*parser_);
    Tcp().expires_after(shared_->options.request);  // Not renewed by the bytes that come.
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](const error_code& ec, size_t) {
                       self->OnRequest(ec);
                     });
  }

  void OnRequest(const error_code& ec) {
    if (ec) {
      if (auto refused = RefusedRequest(ec)) return Respond(std::move(*refused), 11, false, false);
      return Abort();
    }
    Tcp().expires_never();  // A handler takes as long as its own deadline says.
    auto request = std::make_shared<const HttpRequest>(ToRequest(parser_->get()));
    const bool keep_alive = parser_->get().keep_alive();
    const unsigned version = parser_->get().version();
    parser_.reset();
    shared_->workers->Run([self = this->shared_from_this(), request, keep_alive, version] {
      HttpResponse response = self->shared_->handler(*request);
      const bool head = request->method == "HEAD";
      net::post(self->stream_.get_executor(),
                [self, response = std::move(response), version, keep_alive, head]() mutable {
                  self->Respond(std::move(response), version, keep_alive, head);
                });
    });
  }

  void Respond(HttpResponse response, unsigned version, bool keep_alive, bool head) {
    ++served_;
    close_after_ = response.close || !keep_alive ||
                   served_ >= shared_->options.max_requests_per_connection;
    out_.emplace();
    out_->response = std::move(response);
    out_->head = SerializeHead(out_->response, version, !close_after_);
    std::vector<net::const_buffer> buffers{net::buffer(out_->head)};
    if (!head && out_->response.runs) {
      for (std::string_view run : out_->response.runs->runs()) {
        buffers.push_back(net::buffer(run.data(), run.size()));
      }
    } else if (!head) {
      buffers.push_back(net::buffer(out_->response.body));
    }
    out_->pending.emplace(std::move(buffers));
    WriteSome();
  }

  // In steps, each allowed `write` to make progress: a big body to a slow
  // but live client goes on, a client that stopped reading is dropped.
  void WriteSome() {
    if (beast::buffer_bytes(*out_->pending) == 0) return OnWritten();
    Tcp().expires_after(shared_->options.write);
    stream_.async_write_some(*out_->pending,
                             [self = this->shared_from_this()](const error_code& ec, size_t n) {
                               if (ec) return self->Abort();
                               self->out_->pending->consume(n);
                               self->WriteSome();
                             });
  }

  void OnWritten() {
    const size_t size = out_->response.size();
    out_.reset();  // The body, and with it a big uncached result, goes now.
    if (size >= kTrimAfterBytes) ReturnFreedMemory();
    if (close_after_) return Close();
    WaitForRequest();
  }

  // Ends the connection after a response: the client's last bytes (or its
  // close_notify) are awaited briefly, so closing with unread input does not
  // reset the connection before the client has read the answer.
  void Close() {
    Tcp().expires_after(kLinger);
    if constexpr (kTls) {
      stream_.async_shutdown([self = this->shared_from_this()](const error_code&) { self->Abort(); });
    } else {
      error_code ignored;
      Tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
      Drain();
    }
  }

  void Drain() {
    buffer_.clear();
    Tcp().async_read_some(buffer_.prepare(kReadChunk),
                          [self = this->shared_from_this()](const error_code& ec, size_t) {
                            if (ec) return self->Abort();
                            self->Drain();
                          });
  }

  void Abort() {
    error_code ignored;
    Tcp().socket().close(ignored);
  }

  struct Outgoing {
    HttpResponse response;
    std::string head;
    std::optional<beast::buffers_suffix<std::vector<net::const_buffer>>> pending;
  };

  const Shared* const shared_;
  const std::shared_ptr<ssl::context> tls_;  // Before stream_, which is built on it.
  Stream stream_;
  beast::flat_buffer buffer_;  // Bytes read past the current request stay for the next.
  std::optional<RequestParser> parser_;
  std::optional<Outgoing> out_;
  size_t served_ = 0;
  bool close_after_ = false;
};


}  // namespace rse::http_internal
