// The HTTP server's web-config side (basic auth, headers, reload of both),
// the lifecycle API, /config, the telemetry path and odd methods. TLS is
// proven against the built binary (tests/binary/web_security_test.cc).
#include <gtest/gtest.h>
#include <httplib.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>

#include "http/http_server.h"
#include "testing/http_test_util.h"
#include "testing/loopback.h"

namespace rse {
namespace {

// "s3cret", bcrypt cost 10.
constexpr const char* kHash = "$2y$10$EhYP68tEkfpMrr1rL2.TW.5x9E8kVisgSSWTox854Ugu.sv4cjvnO";

using testing::ConnectLoopback;
using testing::RawExchange;

class HttpServerSecurityTest : public ::testing::Test {
 protected:
  void Start(HttpServerOptions options) {
    options.landing = {"1.2.3", "abc", "shop", "postgres"};
    server_ = std::make_unique<testing::RunningServer>(std::move(options),
                                                       [this](const ScrapeRequest&) {
                                                         ++scrapes_;
                                                         Exposition exposition;
                                                         exposition.families = {
                                                             {"shop_orders", "Orders.",
                                                              MetricType::kGauge,
                                                              {{{}, 3}}}};
                                                         return exposition;
                                                       });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_decompress(false);
  }
  static HttpServerOptions WithUsers() {
    HttpServerOptions options;
    options.web.basic_auth_users = {{"alice", kHash}};
    options.web.headers = {{"X-Frame-Options", "deny"}};
    return options;
  }

  std::atomic<int> scrapes_ = 0;
  std::unique_ptr<testing::RunningServer> server_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(HttpServerSecurityTest, WithoutCredentialsEveryPageButHealthIs401) {
  Start(WithUsers());
  for (const char* path : {"/", "/metrics", "/nope"}) {
    auto res = client_->Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 401) << path;
    EXPECT_EQ(res->get_header_value("WWW-Authenticate"), "Basic") << path;
  }
  client_->set_basic_auth("alice", "wrong");
  auto wrong = client_->Get("/metrics");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  EXPECT_EQ(scrapes_.load(), 0) << "a refused request must not scrape";
  // Probes need no credentials: they reveal nothing.
  httplib::Client anonymous("127.0.0.1", server_->port());
  for (const char* path : {"/-/healthy", "/-/ready"}) {
    auto res = anonymous.Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 200) << path;
  }
}

TEST_F(HttpServerSecurityTest, RightCredentialsScrapeAndCarryTheConfiguredHeaders) {
  Start(WithUsers());
  client_->set_basic_auth("alice", "s3cret");
  for (int i = 0; i < 3; ++i) {
    auto res = client_->Get("/metrics", testing::Identity());
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_NE(res->body.find("shop_orders 3"), std::string::npos);
    EXPECT_EQ(res->get_header_value("X-Frame-Options"), "deny");
  }
  EXPECT_EQ(scrapes_.load(), 3);
}

TEST_F(HttpServerSecurityTest, AReloadedWebConfigTakesEffectForTheNextRequest) {
  Start(WithUsers());
  ASSERT_EQ(client_->Get("/metrics")->status, 401);
  WebSecurityConfig open;
  ASSERT_TRUE(server_->server().ApplyWebConfig(open).ok());
  EXPECT_EQ(client_->Get("/metrics")->status, 200);
  WebSecurityConfig with_tls;
  with_tls.source = "web.yml";
  with_tls.tls = TlsServerConfig{};
  Status refused = server_->server().ApplyWebConfig(with_tls);
  EXPECT_FALSE(refused.ok());
  EXPECT_NE(refused.message().find("needs a restart"), std::string::npos);
  EXPECT_EQ(client_->Get("/metrics")->status, 200) << "the refused config changed nothing";
}

TEST_F(HttpServerSecurityTest, TelemetryPathMovesTheMetrics) {
  HttpServerOptions options;
  options.telemetry_path = "/internal/metrics";
  Start(options);
  EXPECT_EQ(client_->Get("/internal/metrics")->status, 200);
  EXPECT_EQ(client_->Get("/metrics")->status, 404);
  EXPECT_NE(client_->Get("/")->body.find("href=\"/internal/metrics\""), std::string::npos);
}

TEST_F(HttpServerSecurityTest, LifecycleIsForbiddenUnlessEnabled) {
  Start(HttpServerOptions{});
  auto res = client_->Post("/-/reload", "", "text/plain");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 403);
  EXPECT_EQ(client_->Get("/-/reload")->status, 405);
}

TEST_F(HttpServerSecurityTest, ReloadAnswersWithTheErrorsOfAFailedReload) {
  HttpServerOptions options;
  options.enable_lifecycle = true;
  std::atomic<bool> fail = true;
  options.reload = [&fail] {
    return fail ? Status::InvalidArgument("queries/x.toml:3: query 'a': sql: required")
                : Status::Ok();
  };
  options.quit = [] {};
  Start(options);
  auto failed = client_->Post("/-/reload", "", "text/plain");
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->status, 500);
  EXPECT_NE(failed->body.find("queries/x.toml:3: query 'a'"), std::string::npos);
  fail = false;
  auto ok = client_->Put("/-/reload", "", "text/plain");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

TEST_F(HttpServerSecurityTest, ConfigPageIsServedBehindAuth) {
  HttpServerOptions options = WithUsers();
  options.config_page = [] { return std::string("[cluster]\npassword = \"<secret>\"\n"); };
  Start(options);
  EXPECT_EQ(client_->Get("/config")->status, 401);
  client_->set_basic_auth("alice", "s3cret");
  auto res = client_->Get("/config");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_NE(res->body.find("<secret>"), std::string::npos);
}

TEST_F(HttpServerSecurityTest, TraceAndConnectAre405AndUnknownPathsStay404) {
  Start(HttpServerOptions{});
  std::string trace = RawExchange(server_->port(), "TRACE /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(trace.rfind("HTTP/1.1 405", 0), 0u) << trace;
  EXPECT_NE(trace.find("Allow: GET, HEAD"), std::string::npos) << trace;
  std::string connect = RawExchange(server_->port(), "CONNECT / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(connect.rfind("HTTP/1.1 405", 0), 0u) << connect;
  std::string unknown = RawExchange(server_->port(), "TRACE /nope HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(unknown.rfind("HTTP/1.1 404", 0), 0u) << unknown;
  EXPECT_EQ(scrapes_.load(), 0);
}

TEST_F(HttpServerSecurityTest, ConnectToAnAuthorityIs405) {
  Start(HttpServerOptions{});
  std::string connect =
      RawExchange(server_->port(), "CONNECT example.org:443 HTTP/1.1\r\nHost: example.org\r\n\r\n");
  EXPECT_EQ(connect.rfind("HTTP/1.1 405", 0), 0u) << connect;
}

// Everything the server sends on one connection until it closes it (or 5 s pass).
std::string AllUntilClose(int port, const std::string& request, bool* closed) {
  int fd = testing::ConnectLoopback(port);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(::send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  std::string out;
  *closed = false;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < give_up) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char buf[4096];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      *closed = true;
      break;
    }
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

size_t Responses(const std::string& wire) {
  size_t count = 0;
  for (size_t at = wire.find("HTTP/1.1 "); at != std::string::npos; at = wire.find("HTTP/1.1 ", at + 1))
    ++count;
  return count;
}

// RFC 9112 §6.1: a request framed both ways is refused and the connection
// closed, so a request hidden in its body is never read (request smuggling).
TEST_F(HttpServerSecurityTest, ContentLengthWithTransferEncodingIs400AndClosesTheConnection) {
  HttpServerOptions options;
  options.enable_lifecycle = true;
  std::atomic<int> quits = 0;
  options.quit = [&quits] { ++quits; };
  options.reload = [] { return Status::Ok(); };
  Start(options);
  const std::string hidden = "POST /-/quit HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n";
  bool closed = false;
  const std::string wire = AllUntilClose(
      server_->port(),
      "POST /-/healthy HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(5 + hidden.size()) +
          "\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + hidden,
      &closed);
  EXPECT_EQ(wire.rfind("HTTP/1.1 400", 0), 0u) << wire;
  EXPECT_EQ(Responses(wire), 1u) << wire;
  EXPECT_TRUE(closed) << "closed after the 400, not kept open";
  EXPECT_EQ(quits.load(), 0) << "the hidden POST /-/quit was never run";
}

TEST_F(HttpServerSecurityTest, AMalformedRequestIs400AndClosesTheConnection) {
  Start(HttpServerOptions{});
  bool closed = false;
  const std::string wire = AllUntilClose(
      server_->port(), "NOT A REQUEST LINE AT ALL\r\n\r\nGET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n",
      &closed);
  EXPECT_EQ(wire.rfind("HTTP/1.1 400", 0), 0u) << wire;
  EXPECT_EQ(Responses(wire), 1u) << "no resynchronising on what follows: " << wire;
  EXPECT_TRUE(closed);
}

TEST_F(HttpServerSecurityTest, GzipRefusedWithQZeroIsNotSent) {
  Start(HttpServerOptions{});
  auto refused = client_->Get("/metrics", {{"Accept-Encoding", "gzip;q=0, identity"}});
  ASSERT_TRUE(refused);
  EXPECT_FALSE(refused->has_header("Content-Encoding"));
  EXPECT_NE(refused->body.find("shop_orders 3"), std::string::npos);
  auto accepted = client_->Get("/metrics", {{"Accept-Encoding", "br;q=0.5, gzip"}});
  ASSERT_TRUE(accepted);
  EXPECT_EQ(accepted->get_header_value("Content-Encoding"), "gzip");
  EXPECT_NE(testing::Gunzip(accepted->body).find("shop_orders 3"), std::string::npos);
}

TEST_F(HttpServerSecurityTest, SlowClientsDoNotStopScrapes) {
  Start(HttpServerOptions{});
  // 40 connections that send half a request and then nothing: each holds a
  // connection thread until the read timeout; a fixed pool of 8 would stall.
  // They arrive at once: past httplib's listen backlog of 5, which left
  // SYNs dropped and retried for seconds.
  const auto start = std::chrono::steady_clock::now();
  std::vector<int> sockets;
  for (int i = 0; i < 40; ++i) {
    int fd = ConnectLoopback(server_->port());
    ASSERT_GE(fd, 0);
    (void)!write(fd, "GET /metrics HTTP/1.1\r\nHo", 25);
    sockets.push_back(fd);
  }
  client_->set_read_timeout(2, 0);
  auto res = client_->Get("/metrics");
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_LT(took, std::chrono::seconds(2));
  for (int fd : sockets) close(fd);
}

TEST_F(HttpServerSecurityTest, AnIdleKeepAliveConnectionIsClosedAfterTwoSeconds) {
  // cpp-httplib polls idle keep-alive connections every 10 ms; they must not
  // linger through a whole scrape interval.
  Start(HttpServerOptions{});
  int fd = ConnectLoopback(server_->port());
  ASSERT_GE(fd, 0);
  const std::string request = "GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(write(fd, request.data(), request.size()), static_cast<ssize_t>(request.size()));
  const auto start = std::chrono::steady_clock::now();
  timeval wait{10, 0};  // An upper bound, not a sleep: recv returns at the close.
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
  char buffer[4096];
  ssize_t n;
  std::string received;
  while ((n = recv(fd, buffer, sizeof buffer, 0)) > 0) received.append(buffer, n);
  const auto open_for = std::chrono::steady_clock::now() - start;
  close(fd);
  EXPECT_EQ(n, 0) << "closed by the server, not timed out";
  EXPECT_NE(received.find("200 OK"), std::string::npos);
  EXPECT_GE(open_for, std::chrono::milliseconds(1500)) << "kept for a burst";
  EXPECT_LT(open_for, std::chrono::seconds(5));
}

}  // namespace
}  // namespace rse
