#include "http/tls_context.h"

#include <openssl/err.h>

namespace rse {
namespace {

// The most recent OpenSSL error, as text; clears the queue.
std::string OpensslReason() {
  unsigned long code = ERR_peek_last_error();
  std::string reason = code == 0 ? "unknown OpenSSL error" : ERR_reason_error_string(code)
                                                                 ? ERR_reason_error_string(code)
                                                                 : "OpenSSL error " + std::to_string(code);
  ERR_clear_error();
  return reason;
}

int TlsVersion(const std::string& name) {
  if (name == "TLS10") return TLS1_VERSION;
  if (name == "TLS11") return TLS1_1_VERSION;
  if (name == "TLS12") return TLS1_2_VERSION;
  return TLS1_3_VERSION;
}

// RequestClientCert and RequireAnyClientCert take any certificate, as Go does.
int AcceptAnyCertificate(int, X509_STORE_CTX*) { return 1; }

// Loads `config` into `ctx`.
Status ConfigureServerTls(SSL_CTX& ctx, const TlsServerConfig& config) {
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(&ctx, config.cert_file.c_str()) != 1) {
    return Status::InvalidArgument("tls_server_config.cert_file: cannot load '" + config.cert_file +
                                   "': " + OpensslReason());
  }
  if (SSL_CTX_use_PrivateKey_file(&ctx, config.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    const std::string reason = OpensslReason();
    if (reason.find("mismatch") != std::string::npos) {  // OpenSSL checks the pair as it loads.
      return Status::InvalidArgument("tls_server_config.key_file: '" + config.key_file +
                                     "' does not match the certificate in '" + config.cert_file +
                                     "'");
    }
    return Status::InvalidArgument("tls_server_config.key_file: cannot load '" + config.key_file +
                                   "': " + reason);
  }
  if (SSL_CTX_check_private_key(&ctx) != 1) {
    return Status::InvalidArgument("tls_server_config.key_file: '" + config.key_file +
                                   "' does not match the certificate in '" + config.cert_file +
                                   "'");
  }
  if (!config.client_ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(&ctx, config.client_ca_file.c_str(), nullptr) != 1) {
      return Status::InvalidArgument("tls_server_config.client_ca_file: cannot load '" +
                                     config.client_ca_file + "': " + OpensslReason());
    }
    if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(config.client_ca_file.c_str())) {
      SSL_CTX_set_client_CA_list(&ctx, names);
    }
  }
  int mode = SSL_VERIFY_NONE;
  SSL_verify_cb callback = nullptr;
  switch (config.client_auth) {
    case ClientAuth::kNoClientCert: break;
    case ClientAuth::kRequestClientCert:
      mode = SSL_VERIFY_PEER;
      callback = AcceptAnyCertificate;
      break;
    case ClientAuth::kRequireAnyClientCert:
      mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
      callback = AcceptAnyCertificate;
      break;
    case ClientAuth::kVerifyClientCertIfGiven: mode = SSL_VERIFY_PEER; break;
    case ClientAuth::kRequireAndVerifyClientCert:
      mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
      break;
  }
  SSL_CTX_set_verify(&ctx, mode, callback);
  // Without a session id context, resuming a session with a client
  // certificate fails the handshake.
  static const unsigned char kSessionContext[] = "replica_sql_exporter";
  SSL_CTX_set_session_id_context(&ctx, kSessionContext, sizeof kSessionContext - 1);
  SSL_CTX_set_min_proto_version(&ctx, TlsVersion(config.min_version));
  SSL_CTX_set_max_proto_version(&ctx, TlsVersion(config.max_version));
  SSL_CTX_set_options(&ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  return Status::Ok();
}

}  // namespace

StatusOr<SslCtxPtr> BuildServerTls(const TlsServerConfig& config) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
  if (!ctx) return Status::Internal("cannot create a TLS context: " + OpensslReason());
  if (Status status = ConfigureServerTls(*ctx, config); !status.ok()) return status;
  return ctx;
}

void TlsContextHolder::Set(SslCtxPtr ctx) {
  MutexLock lock(&mu_);
  current_ = std::move(ctx);
}

SslCtxPtr TlsContextHolder::Current() const {
  MutexLock lock(&mu_);
  return current_;
}

}  // namespace rse
