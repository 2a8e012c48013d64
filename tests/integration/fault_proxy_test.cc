// A member hung behind a TCP proxy of ours (as behind HAProxy, ProxySQL or
// NAT), for both engines: it costs a scrape at most the probe timeout and
// leaves time for the healthy member under short deadlines.
#include "scrape_fixture.h"
#include "tcp_proxy.h"

namespace rse::testing {
namespace {

using namespace std::chrono_literals;

class FaultProxyTest : public ScrapeTest {
 protected:
  // An exporter over `proxy` (in front of replica 2, listed first) and
  // replica 1, proven to serve, then the proxy frozen. Null if it did not serve.
  std::unique_ptr<Exporter> ServingThenFrozen(TcpProxy& proxy) {
    auto exporter =
        MakeExporter(kCountQuery, {proxy.address().ToString(), env().replicas[0].ToString()});
    if (!exporter) return nullptr;
    for (int i = 0; i < 2; ++i) {
      if (RenderText(exporter->Scrape({})).find("count_value 2000\n") == std::string::npos) {
        ADD_FAILURE() << "not serving before the freeze";
        return nullptr;
      }
    }
    proxy.Freeze();
    return exporter;
  }
};

// The same hang behind a TCP proxy of ours (as behind HAProxy, ProxySQL or
// NAT): the server's view of our address is the proxy's, so the session's
// socket must be found from our own side to be broken at the deadline.
TEST_P(FaultProxyTest, AMemberHungBehindAProxyCostsAScrapeAtMostTheProbeTimeout) {
  TcpProxy proxy(env().replicas[1]);
  auto exporter = ServingThenFrozen(proxy);
  ASSERT_TRUE(exporter);
  double slowest = 0;
  for (const char* header : {"10", "2", "10", "2"}) {
    ScrapeRequest request;
    request.timeout_header = header;
    const auto start = std::chrono::steady_clock::now();
    const std::string text = RenderText(exporter->Scrape(request));
    slowest = std::max(slowest, SecondsSince(start));
    EXPECT_NE(text.find("replica_sql_up 1\n"), std::string::npos) << "header " << header << "\n" << text;
    EXPECT_NE(text.find("count_value 2000\n"), std::string::npos) << text;
  }
  EXPECT_LT(slowest, 2.5) << "probe_timeout 1 s + 0.5 s to break the session";
  const auto stop = std::chrono::steady_clock::now();
  exporter.reset();
  const double stopped = SecondsSince(stop);
  EXPECT_LT(stopped, 2.5) << "shutdown does not wait for the frozen member";
  proxy.Thaw();
  std::cout << "[ figures  ] " << env().name << " member frozen behind a proxy: slowest of 4 "
            << "scrapes " << slowest << " s, exporter stopped in " << stopped << " s\n";
}

// Short deadlines with a member hung behind a proxy: whatever the member
// costs (a probe, a statement, a reconnect), the healthy one keeps a share of
// the scrape's time, so every scrape is served.
TEST_P(FaultProxyTest, AMemberHungBehindAProxyLeavesTimeForTheHealthyOneUnderShortDeadlines) {
  TcpProxy proxy(env().replicas[1]);
  auto exporter = ServingThenFrozen(proxy);
  ASSERT_TRUE(exporter);
  double slowest = 0;
  int failed = 0;
  int scrapes = 0;
  // Over 8 s, so the member's retries after its backoff (1 s, 2 s, 4 s) fall
  // among the scrapes.
  const auto until = std::chrono::steady_clock::now() + 8s;
  for (int i = 0; std::chrono::steady_clock::now() < until; ++i) {
    const char* header = i % 3 == 0 ? "2" : "1";
    std::this_thread::sleep_for(100ms);  // Pacing, as Prometheus' interval would.
    ScrapeRequest request;
    request.timeout_header = header;
    const auto start = std::chrono::steady_clock::now();
    const std::string text = RenderText(exporter->Scrape(request));
    const double took = SecondsSince(start);
    slowest = std::max(slowest, took);
    ++scrapes;
    if (text.find("count_value 2000\n") == std::string::npos) ++failed;
    EXPECT_LT(took, std::stod(header)) << "answered within the header's " << header << " s";
  }
  proxy.Thaw();
  EXPECT_EQ(failed, 0) << "of " << scrapes << " scrapes";
  std::cout << "[ figures  ] " << env().name << " member frozen behind a proxy, 1-2 s headers: "
            << failed << " of " << scrapes << " scrapes failed, slowest " << slowest << " s\n";
}

INSTANTIATE_TEST_SUITE_P(Engines, FaultProxyTest, ::testing::ValuesIn(testing::AllEnvs()),
                         [](const auto& info) { return info.param->name; });

}  // namespace
}  // namespace rse::testing
