// The built binary's HTTP side under abuse: 1000 slow clients, odd scrape
// timeout headers, huge headers and URLs, path traversal, HTTP/1.0. Every
// request gets a clear status, real scrapes keep being answered, nothing crashes.
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>

#include <fstream>

#include "exporter_workspace.h"
#include "testing/loopback.h"

namespace rse {
namespace {

using testing::ExporterWorkspace;

const bool kPasswordSet = setenv("SHOP_EXPORTER_PASSWORD", "exporter-demo-pw", 1) == 0;
const bool kNoSigpipe = signal(SIGPIPE, SIG_IGN) != SIG_ERR;

// The status line of the answer to `request`, or "" if none came within 5 s.
std::string StatusLine(int port, const std::string& request) {
  std::string out = testing::RawExchange(port, request, 5);
  return out.substr(0, out.find("\r\n"));
}

// A number from /proc/PID/status ("Threads:", "VmRSS:"), or -1.
long StatusField(pid_t pid, const std::string& field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind(field, 0) == 0) return std::stol(line.substr(field.size()));
  }
  return -1;
}

int Threads(pid_t pid) { return static_cast<int>(StatusField(pid, "Threads:")); }

// The test holds a descriptor per client: its own soft limit goes to the hard one.
bool RaiseOwnFileLimit(rlim_t wanted) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return false;
  limit.rlim_cur = std::min(std::max(limit.rlim_cur, wanted), limit.rlim_max);
  return setrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur >= wanted;
}

class HttpAbuseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(kPasswordSet && kNoSigpipe);
    ws_.WriteConfig();
    ws_.WriteQueries({"one"});
    std::string log;
    ASSERT_TRUE(ws_.Start({}, &log)) << log;
  }
  ExporterWorkspace ws_;
};

// Slow and half-open clients cost a socket and a buffer each, never a
// thread: a thousand of them held open, scrapes are answered as usual.
TEST_F(HttpAbuseTest, AThousandSlowClientsDoNotDelayAScrapeAndCostNoThreads) {
  constexpr int kClients = 1000;
  ASSERT_TRUE(RaiseOwnFileLimit(kClients + 200));
  const long rss_before = StatusField(ws_.process().pid(), "VmRSS:");
  std::vector<int> slow;
  for (int i = 0; i < kClients; ++i) {
    int fd = testing::ConnectLoopback(ws_.port());
    ASSERT_GE(fd, 0) << "client " << i;
    if (i % 2 == 0) (void)!write(fd, "GET /metrics HTTP/1.1\r\nHost: x\r\nX-", 34);  // Never finished.
    slow.push_back(fd);  // The odd ones never send a byte.
  }
  httplib::Client client("127.0.0.1", ws_.port());
  client.set_read_timeout(10, 0);
  double slowest = 0;
  for (int i = 0; i < 5; ++i) {
    const auto start = std::chrono::steady_clock::now();
    auto res = client.Get("/metrics", {{"X-Prometheus-Scrape-Timeout-Seconds", "3"}});
    slowest = std::max(slowest, std::chrono::duration<double>(
                                    std::chrono::steady_clock::now() - start).count());
    ASSERT_TRUE(res) << "scrape " << i;
    EXPECT_EQ(res->status, 200);
  }
  EXPECT_LT(slowest, 3.0) << "answered within its own timeout header";
  const int threads = Threads(ws_.process().pid());
  const long rss_after = StatusField(ws_.process().pid(), "VmRSS:");
  EXPECT_GT(threads, 0);
  EXPECT_LT(threads, 40) << "no thread per connection";
  std::cout << "[ figures ] " << kClients << " slow clients: slowest of 5 scrapes " << slowest
            << " s, " << threads << " threads, RSS " << rss_before << " -> " << rss_after << " kB\n";
  for (int fd : slow) close(fd);
}

TEST_F(HttpAbuseTest, OddScrapeTimeoutHeadersStillGetAScrape) {
  httplib::Client client("127.0.0.1", ws_.port());
  client.set_read_timeout(15, 0);
  for (const char* value : {"-1", "0", "0.0001", "NaN", "nan", "inf", "-inf", "1e309", "abc", "",
                            " 5 ", "5s", "0x10", "1e-400", "99999999999999999999"}) {
    auto res = client.Get("/metrics", {{"X-Prometheus-Scrape-Timeout-Seconds", value}});
    ASSERT_TRUE(res) << "'" << value << "'";
    EXPECT_EQ(res->status, 200) << "'" << value << "'";
    EXPECT_NE(res->body.find("replica_sql_up "), std::string::npos) << "'" << value << "'";
  }
  // Repeated: httplib hands us the first.
  std::string twice = StatusLine(ws_.port(),
                                 "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Prometheus-Scrape-Timeout-"
                                 "Seconds: 1\r\nX-Prometheus-Scrape-Timeout-Seconds: 2\r\n\r\n");
  EXPECT_EQ(twice, "HTTP/1.1 200 OK");
}

TEST_F(HttpAbuseTest, HugeHeadersUrlsTraversalAndHttp10GetClearStatuses) {
  const int port = ws_.port();
  std::string huge_header = StatusLine(
      port, "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(100'000, 'a') + "\r\n\r\n");
  EXPECT_TRUE(huge_header.empty() || huge_header.find(" 4") != std::string::npos) << huge_header;
  std::string huge_url = StatusLine(port, "GET /" + std::string(100'000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(huge_url.empty() || huge_url.find(" 4") != std::string::npos) << huge_url;
  EXPECT_EQ(StatusLine(port, "GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n"),
            "HTTP/1.1 404 Not Found");
  EXPECT_EQ(StatusLine(port, "GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n"),
            "HTTP/1.1 404 Not Found");
  std::string http10 = StatusLine(port, "GET /-/healthy HTTP/1.0\r\n\r\n");
  EXPECT_NE(http10.find(" 200 OK"), std::string::npos) << http10;
  EXPECT_EQ(StatusLine(port, "BREW /metrics HTTP/1.1\r\nHost: x\r\n\r\n"),
            "HTTP/1.1 400 Bad Request");
  // Still serving.
  httplib::Client client("127.0.0.1", port);
  auto res = client.Get("/-/healthy");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

}  // namespace
}  // namespace rse
