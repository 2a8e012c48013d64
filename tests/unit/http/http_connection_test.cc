// The plain-HTTP connection loop (http/plain_server.h): pipelined requests,
// the whole-request time limit, and a prompt stop with idle connections.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "http/http_server.h"
#include "testing/http_test_util.h"
#include "testing/loopback.h"

namespace rse {
namespace {

using Clock = std::chrono::steady_clock;
using testing::ConnectLoopback;

Exposition OneGauge(const ScrapeRequest&) {
  Exposition exposition;
  exposition.families = {{"shop_orders", "Orders.", MetricType::kGauge, {{{}, 3}}}};
  return exposition;
}

// Everything the server sends until it closes the connection (bounded by `limit`).
std::string ReadUntilClosed(int fd, std::chrono::seconds limit, bool* closed) {
  const auto until = Clock::now() + limit;
  std::string received;
  char buffer[4096];
  *closed = false;
  while (Clock::now() < until) {
    pollfd pfd{fd, POLLIN, 0};
    if (poll(&pfd, 1, 100) <= 0) continue;
    ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) {
      *closed = true;
      break;
    }
    received.append(buffer, static_cast<size_t>(n));
  }
  return received;
}

TEST(HttpConnectionTest, PipelinedRequestsAreAllAnsweredInOrder) {
  testing::RunningServer server(HttpServerOptions{}, OneGauge);
  int fd = ConnectLoopback(server.port());
  ASSERT_GE(fd, 0);
  // Three requests in one write: httplib 0.11 alone answered the first and
  // dropped the rest with its per-request read buffer.
  const std::string requests =
      "GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /-/ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  ASSERT_EQ(write(fd, requests.data(), requests.size()), static_cast<ssize_t>(requests.size()));
  bool closed = false;
  const std::string received = ReadUntilClosed(fd, std::chrono::seconds(10), &closed);
  close(fd);
  EXPECT_TRUE(closed) << "closed after the request that asked for it";
  const size_t healthy = received.find("is Healthy");
  const size_t metrics = received.find("shop_orders 3");
  const size_t ready = received.find("is Ready");
  ASSERT_NE(healthy, std::string::npos) << received;
  ASSERT_NE(metrics, std::string::npos) << received;
  ASSERT_NE(ready, std::string::npos) << received;
  EXPECT_LT(healthy, metrics);
  EXPECT_LT(metrics, ready);
  size_t responses = 0;
  for (size_t at = received.find("HTTP/1.1 200 OK"); at != std::string::npos;
       at = received.find("HTTP/1.1 200 OK", at + 1))
    ++responses;
  EXPECT_EQ(responses, 3u);
}

TEST(HttpConnectionTest, ARequestTricklingInIsCutAtTheRequestTimeLimit) {
  HttpServerOptions options;
  options.request_timeout = std::chrono::milliseconds(1000);
  testing::RunningServer server(std::move(options), OneGauge);
  int fd = ConnectLoopback(server.port());
  ASSERT_GE(fd, 0);
  // One byte every 200 ms: each byte renews a per-read timeout, never this limit.
  const std::string request = "GET /-/healthy HTTP/1.1\r\nHost: trickle\r\n\r\n";
  const auto start = Clock::now();
  std::optional<Clock::duration> cut;
  for (char c : request) {
    if (send(fd, &c, 1, MSG_NOSIGNAL) != 1) break;
    pollfd pfd{fd, POLLIN, 0};
    if (poll(&pfd, 1, 200) > 0) break;  // The server answered or closed: stop sending.
  }
  bool closed = false;
  const std::string received = ReadUntilClosed(fd, std::chrono::seconds(5), &closed);
  cut = Clock::now() - start;
  close(fd);
  EXPECT_TRUE(closed);
  EXPECT_EQ(received.find("200 OK"), std::string::npos) << "not answered: it came too slowly";
  EXPECT_LT(*cut, std::chrono::milliseconds(2500)) << "cut near the 1 s limit, not after the 8.6 s trickle";
}

TEST(HttpConnectionTest, IdleKeepAliveConnectionsDoNotDelayStop) {
  auto server = std::make_unique<testing::RunningServer>(HttpServerOptions{}, OneGauge);
  std::vector<int> sockets;
  for (int i = 0; i < 5; ++i) {
    int fd = ConnectLoopback(server->port());
    ASSERT_GE(fd, 0);
    const std::string request = "GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_EQ(write(fd, request.data(), request.size()), static_cast<ssize_t>(request.size()));
    char buffer[512];
    ASSERT_GT(recv(fd, buffer, sizeof buffer, 0), 0);  // Answered; now idle on keep-alive.
    sockets.push_back(fd);
  }
  const auto start = Clock::now();
  server.reset();
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(1000))
      << "not the 2 s keep-alive of each idle connection";
  for (int fd : sockets) close(fd);
}

TEST(HttpConnectionTest, ConnectionsOverTheLimitAreClosedAtOnceAndTheLimitFreesUp) {
  HttpServerOptions options;
  options.max_connections = 3;
  testing::RunningServer server(std::move(options), OneGauge);
  const std::string request = "GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n";
  std::vector<int> held;
  for (int i = 0; i < 3; ++i) {
    int fd = ConnectLoopback(server.port());
    ASSERT_GE(fd, 0);
    // Answered once, so the server has surely counted it; then kept open.
    ASSERT_EQ(write(fd, request.data(), request.size()), static_cast<ssize_t>(request.size()));
    char buffer[512];
    ASSERT_GT(recv(fd, buffer, sizeof buffer, 0), 0);
    held.push_back(fd);
  }
  int over = ConnectLoopback(server.port());
  ASSERT_GE(over, 0);
  (void)!write(over, request.data(), request.size());
  bool closed = false;
  const std::string refused = ReadUntilClosed(over, std::chrono::seconds(5), &closed);
  close(over);
  EXPECT_TRUE(closed) << "closed, not queued";
  EXPECT_EQ(refused.find("200 OK"), std::string::npos) << refused;
  for (int fd : held) close(fd);
  // The server notices the closes; then new connections are served again.
  bool served = false;
  for (int attempt = 0; attempt < 50 && !served; ++attempt) {
    int fd = ConnectLoopback(server.port());
    ASSERT_GE(fd, 0);
    const std::string last = "GET /-/healthy HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    (void)!write(fd, last.data(), last.size());
    bool ended = false;
    served = ReadUntilClosed(fd, std::chrono::seconds(3), &ended).find("200 OK") != std::string::npos;
    close(fd);
  }
  EXPECT_TRUE(served);
}

}  // namespace
}  // namespace rse
