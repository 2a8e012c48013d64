// --web.config.file against the built binary: TLS, client certificates,
// basic auth, and a web config replaced by SIGHUP (a broken one keeps the
// running one).
#include <gtest/gtest.h>
#include <httplib.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <string>

#include "exporter_workspace.h"
#include "testing/loopback.h"

namespace rse {
namespace {

using testing::ExporterWorkspace;
using testing::kTestPasswordHash;

const bool kPasswordSet = setenv("SHOP_EXPORTER_PASSWORD", "exporter-demo-pw", 1) == 0;
// A server that refuses our certificate closes the connection while httplib's
// client may still write to it: the write must fail, not kill the test.
const bool kNoSigpipe = signal(SIGPIPE, SIG_IGN) != SIG_ERR;

class WebSecurityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(kPasswordSet && kNoSigpipe);
    ws_.WriteConfig();
    ws_.WriteQueries({"one"});
    ws_.MakeCertificates();
  }
  void StartWith(const std::string& web_yml) {
    ws_.Write("web.yml", web_yml);
    std::string log;
    ASSERT_TRUE(ws_.Start({"--web.config.file=" + ws_.Path("web.yml")}, &log)) << log;
  }
  // A TLS client that trusts the test CA, optionally presenting a certificate.
  std::unique_ptr<httplib::SSLClient> Tls(const std::string& client_cert = "") {
    std::unique_ptr<httplib::SSLClient> client;
    if (client_cert.empty()) {
      client = std::make_unique<httplib::SSLClient>("127.0.0.1", ws_.port());
    } else {
      client = std::make_unique<httplib::SSLClient>("127.0.0.1", ws_.port(),
                                                    ws_.Path(client_cert + ".crt"),
                                                    ws_.Path(client_cert + ".key"));
    }
    client->set_ca_cert_path(ws_.Path("ca.crt").c_str());
    client->enable_server_certificate_verification(true);
    client->set_connection_timeout(5, 0);
    client->set_read_timeout(15, 0);
    return client;
  }

  ExporterWorkspace ws_;
};

TEST_F(WebSecurityTest, ServesMetricsOverTlsAndRefusesPlainHttpCleanly) {
  StartWith("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n");
  auto res = Tls()->Get("/metrics");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  EXPECT_NE(res->body.find("replica_sql_up "), std::string::npos);
  httplib::Client plain("127.0.0.1", ws_.port());
  plain.set_read_timeout(5, 0);
  auto refused = plain.Get("/metrics");
  EXPECT_TRUE(!refused || refused->status >= 400) << "plain HTTP must not get the metrics";
  auto again = Tls()->Get("/-/healthy");  // The server is still fine.
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);
}

// A TLS handshake that trickles in is cut at the request time limit (5 s),
// as a plain request is: a byte every 300 ms would take over 30 s. Meanwhile
// a real client is served.
TEST_F(WebSecurityTest, ATricklingTlsHandshakeIsCutAtTheRequestTimeLimit) {
  StartWith("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n");
  int fd = testing::ConnectLoopback(ws_.port());
  ASSERT_GE(fd, 0);
  // A TLS record header announcing a 100-byte handshake, then filler.
  std::string hello = std::string("\x16\x03\x01\x00\x64", 5) + std::string(100, '\x01');
  const auto start = std::chrono::steady_clock::now();
  bool closed = false;
  for (size_t i = 0; i < hello.size(); ++i) {
    if (::send(fd, &hello[i], 1, MSG_NOSIGNAL) != 1) {
      closed = true;
      break;
    }
    pollfd pfd{fd, POLLIN, 0};
    if (::poll(&pfd, 1, 300) > 0) {
      char buf[256];
      if (::recv(fd, buf, sizeof buf, 0) <= 0) {
        closed = true;
        break;
      }
    }
    if (i == 10) {
      auto res = Tls()->Get("/-/healthy");
      ASSERT_TRUE(res);
      EXPECT_EQ(res->status, 200);
    }
  }
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ::close(fd);
  EXPECT_TRUE(closed) << "still open after the whole trickle";
  EXPECT_LT(took, 8.0) << "cut near the 5 s limit";
  std::cout << "[ figures ] trickled TLS handshake closed after " << took << " s\n";
}

TEST_F(WebSecurityTest, PipelinedRequestsOverTlsAreAllAnsweredInOrder) {
  StartWith("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n");
  // Three requests in one TLS write. cpp-httplib 0.11's own TLS loop answered
  // the first, then waited on the socket while the others sat in OpenSSL.
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  ASSERT_TRUE(ctx);
  const int fd = testing::ConnectLoopback(ws_.port());
  ASSERT_GE(fd, 0);
  timeval wait{10, 0};  // An upper bound for each read, not a sleep.
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), SSL_free);
  SSL_set_fd(ssl.get(), fd);
  ASSERT_EQ(SSL_connect(ssl.get()), 1);
  const std::string requests =
      "GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /-/ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  ASSERT_EQ(SSL_write(ssl.get(), requests.data(), static_cast<int>(requests.size())),
            static_cast<int>(requests.size()));
  const auto start = std::chrono::steady_clock::now();
  std::string received;
  char buffer[16384];
  int n;
  while ((n = SSL_read(ssl.get(), buffer, sizeof buffer)) > 0) received.append(buffer, n);
  const auto took = std::chrono::steady_clock::now() - start;
  close(fd);
  const size_t healthy = received.find("is Healthy");
  const size_t metrics = received.find("replica_sql_up ");
  const size_t ready = received.find("is Ready");
  ASSERT_NE(healthy, std::string::npos) << received.substr(0, 300);
  ASSERT_NE(metrics, std::string::npos) << received.substr(0, 300);
  ASSERT_NE(ready, std::string::npos) << received.substr(0, 300);
  EXPECT_LT(healthy, metrics);
  EXPECT_LT(metrics, ready);
  EXPECT_LT(took, std::chrono::seconds(2)) << "answered at once, not after a keep-alive wait";
}

TEST_F(WebSecurityTest, RequireAndVerifyClientCertTakesOnlyCertificatesOfTheClientCa) {
  StartWith(
      "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
      "  client_ca_file: ca.crt\n  client_auth_type: RequireAndVerifyClientCert\n");
  EXPECT_FALSE(Tls()->Get("/metrics")) << "no client certificate";
  EXPECT_FALSE(Tls("stranger")->Get("/metrics")) << "a certificate of another CA";
  auto res = Tls("client")->Get("/metrics");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
}

TEST_F(WebSecurityTest, BasicAuthOverTls) {
  StartWith(std::string("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
                        "basic_auth_users:\n  prometheus: ") +
            kTestPasswordHash + "\n");
  auto client = Tls();
  auto anonymous = client->Get("/metrics");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);
  EXPECT_EQ(anonymous->get_header_value("WWW-Authenticate"), "Basic");
  client->set_basic_auth("prometheus", "wrong");
  EXPECT_EQ(client->Get("/metrics")->status, 401);
  client->set_basic_auth("prometheus", "s3cret");
  auto res = client->Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_NE(res->body.find("replica_sql_up "), std::string::npos);
}

TEST_F(WebSecurityTest, SighupReplacesTheWebConfigAndABrokenOneKeepsTheLastGood) {
  StartWith(std::string("basic_auth_users:\n  alice: ") + kTestPasswordHash + "\n");
  httplib::Client client("127.0.0.1", ws_.port());
  client.set_basic_auth("alice", "s3cret");
  ASSERT_EQ(client.Get("/metrics")->status, 200);

  // A broken file: every error logged with file:line; alice still gets in.
  ws_.Write("web.yml", std::string("basic_auth_users:\n  alice: not-a-hash\n"));
  ws_.process().Signal(SIGHUP);
  std::string log;
  // One log line per error, written one after another: wait for the one
  // that names the key, not only the first ("reload failed ... invalid web config:").
  ASSERT_TRUE(ws_.WaitForLog("web.yml:2: basic_auth_users.alice", 15000, &log)) << log;
  EXPECT_NE(log.find("reload failed"), std::string::npos) << log;
  auto still = client.Get("/metrics");
  ASSERT_TRUE(still);
  EXPECT_EQ(still->status, 200);
  EXPECT_NE(still->body.find("replica_sql_config_last_reload_successful 0"), std::string::npos);

  // A good one: bob replaces alice.
  ws_.Write("web.yml", std::string("basic_auth_users:\n  bob: ") + kTestPasswordHash + "\n");
  ws_.process().Signal(SIGHUP);
  ASSERT_TRUE(ws_.WaitForLog("configuration reloaded", 15000, &log)) << log;
  EXPECT_EQ(client.Get("/metrics")->status, 401);
  client.set_basic_auth("bob", "s3cret");
  auto bob = client.Get("/metrics");
  ASSERT_TRUE(bob);
  EXPECT_EQ(bob->status, 200);
  EXPECT_NE(bob->body.find("replica_sql_config_last_reload_successful 1"), std::string::npos);
}

TEST_F(WebSecurityTest, SighupSwapsCertificatesAndClientAuthUnderARunningServer) {
  StartWith("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n");
  ASSERT_TRUE(Tls()->Get("/metrics"));
  ws_.Write("web.yml",
            "tls_server_config:\n  cert_file: server2.crt\n  key_file: server2.key\n"
            "  client_ca_file: ca.crt\n  client_auth_type: RequireAndVerifyClientCert\n");
  ws_.process().Signal(SIGHUP);
  std::string log;
  ASSERT_TRUE(ws_.WaitForLog("configuration reloaded", 15000, &log)) << log;
  EXPECT_FALSE(Tls()->Get("/metrics")) << "a client certificate is now required";
  auto res = Tls("client")->Get("/metrics");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
}

}  // namespace
}  // namespace rse
