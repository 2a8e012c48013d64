// OpenSSL server contexts built from a TlsServerConfig, and the holder that
// lets a reload swap certificates, CAs and client-auth policy under a running
// server: each new connection takes the holder's current context.
#pragma once

#include <openssl/ssl.h>

#include <memory>

#include "base/mutex.h"
#include "base/status.h"
#include "config/web_config.h"

namespace rse {

using SslCtxPtr = std::shared_ptr<SSL_CTX>;

// A new server context from `config`: certificate, key (checked to match),
// client CAs and the protocol range. Errors name the file and OpenSSL's reason.
StatusOr<SslCtxPtr> BuildServerTls(const TlsServerConfig& config);

class TlsContextHolder {
 public:
  explicit TlsContextHolder(SslCtxPtr current) : current_(std::move(current)) {}
  void Set(SslCtxPtr ctx);
  // Null when the context at start could not be built.
  SslCtxPtr Current() const;

 private:
  mutable Mutex mu_;
  SslCtxPtr current_ GUARDED_BY(mu_);
};

}  // namespace rse
