#include "http/http_server.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <mutex>

#include "collect/self_metrics.h"
#include "exposition/content_type.h"
#include "testing/http_test_util.h"
#include "testing/loopback.h"

namespace rse {
namespace {

class HttpServerTest : public ::testing::Test {
 protected:
  HttpServerTest()
      : server_(Options(),
                [this](const ScrapeRequest& request) {
                  std::lock_guard<std::mutex> lock(mu_);
                  last_request_ = request;
                  ++scrapes_;
                  // A query's result as a block shared by every scrape (its
                  // rendering memoised), then the scrape's own families.
                  Exposition exposition;
                  exposition.blocks.push_back({orders_, memo_});
                  exposition.families = {BuildInfoFamily(), UpFamily(false)};
                  return exposition;
                }),
        client_("127.0.0.1", server_.port()) {
    client_.set_decompress(false);  // Look at the bytes on the wire.
  }

  static HttpServerOptions Options() {
    HttpServerOptions options;
    options.landing = {"1.2.3", "abc123", "<shop & co>", "postgres"};
    return options;
  }

  std::shared_ptr<const std::vector<MetricFamily>> orders_ =
      std::make_shared<const std::vector<MetricFamily>>(std::vector<MetricFamily>{
          {"shop_orders_total", "Orders.", MetricType::kCounter, {{{}, 3}}}});
  std::shared_ptr<RenderMemo> memo_ = std::make_shared<RenderMemo>();
  std::mutex mu_;
  ScrapeRequest last_request_;  // Guarded by mu_.
  int scrapes_ = 0;             // Guarded by mu_.
  testing::RunningServer server_;
  httplib::Client client_;
};

TEST_F(HttpServerTest, LandingPageNamesExporterVersionClusterAndLinksMetrics) {
  auto res = client_.Get("/");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(res->body.find("<h1>replica_sql_exporter</h1>"), std::string::npos);
  EXPECT_NE(res->body.find("href=\"/metrics\""), std::string::npos);
  EXPECT_NE(res->body.find("1.2.3"), std::string::npos);
  EXPECT_NE(res->body.find("&lt;shop &amp; co&gt;"), std::string::npos)
      << "cluster name must be HTML-escaped";
}

TEST_F(HttpServerTest, MetricsDefaultsToTextFormat) {
  auto res = client_.Get("/metrics", testing::Identity());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), kTextContentType);
  EXPECT_NE(res->body.find("replica_sql_up 0\n"), std::string::npos);
  EXPECT_NE(res->body.find("# TYPE shop_orders_total counter\n"), std::string::npos);
}

TEST_F(HttpServerTest, MetricsServesOpenMetricsWhenAsked) {
  auto res = client_.Get("/metrics", testing::Identity({{"Accept",
                                                          "application/openmetrics-text;version=1.0.0,text/plain;q=0.5"}}));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->get_header_value("Content-Type"), kOpenMetricsContentType);
  EXPECT_NE(res->body.find("# TYPE shop_orders counter\nshop_orders_total 3\n"), std::string::npos)
      << res->body;
  EXPECT_TRUE(res->body.ends_with("# EOF\n"));
}

TEST_F(HttpServerTest, GzipsTextWhenAccepted) {
  const std::string plain = client_.Get("/metrics", testing::Identity())->body;
  for (int i = 0; i < 2; ++i) {  // The second one joins the block's memoised compressed run.
    auto res = client_.Get("/metrics", {{"Accept-Encoding", "gzip"}});
    ASSERT_TRUE(res);
    EXPECT_EQ(res->get_header_value("Content-Encoding"), "gzip");
    EXPECT_EQ(testing::Gunzip(res->body), plain);
    EXPECT_NE(testing::Gunzip(res->body).find("shop_orders_total 3\n# HELP replica_sql_exporter_build_info"),
              std::string::npos);
  }
}

TEST_F(HttpServerTest, GzipsOpenMetricsWhenAccepted) {
  auto res = client_.Get("/metrics",
                         {{"Accept", "application/openmetrics-text"}, {"Accept-Encoding", "gzip"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->get_header_value("Content-Encoding"), "gzip");
  EXPECT_TRUE(testing::Gunzip(res->body).ends_with("# EOF\n"));
}

TEST_F(HttpServerTest, NoCompressionWithoutAcceptEncoding) {
  // On a raw socket: the client library may add Accept-Encoding on its own.
  const std::string wire = testing::RawExchange(
      server_.port(),
      "GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: application/openmetrics-text\r\n"
      "Connection: close\r\n\r\n");
  EXPECT_EQ(wire.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << wire;
  EXPECT_EQ(wire.find("Content-Encoding"), std::string::npos) << wire;
  EXPECT_TRUE(wire.ends_with("# EOF\n")) << wire;
}

TEST_F(HttpServerTest, PassesTheScrapeTimeoutHeaderThrough) {
  ASSERT_TRUE(client_.Get("/metrics", {{"X-Prometheus-Scrape-Timeout-Seconds", "4.5"}}));
  {
    std::lock_guard<std::mutex> lock(mu_);
    EXPECT_EQ(last_request_.timeout_header, "4.5");
  }
  ASSERT_TRUE(client_.Get("/metrics"));
  std::lock_guard<std::mutex> lock(mu_);
  EXPECT_FALSE(last_request_.timeout_header.has_value());
}

TEST_F(HttpServerTest, HealthAndReadiness) {
  for (const char* path : {"/-/healthy", "/-/ready"}) {
    auto res = client_.Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 200) << path;
  }
}

TEST_F(HttpServerTest, HeadIsAllowedAndHasNoBody) {
  auto res = client_.Head("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_TRUE(res->body.empty());
}

TEST_F(HttpServerTest, OtherMethodsAreNotAllowed) {
  auto res = client_.Post("/metrics", "x", "text/plain");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 405);
  EXPECT_EQ(res->get_header_value("Allow"), "GET, HEAD");
  auto del = client_.Delete("/");
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 405);
  std::lock_guard<std::mutex> lock(mu_);
  EXPECT_EQ(scrapes_, 0) << "a refused method must not run a scrape";
}

TEST_F(HttpServerTest, UnknownPathIs404) {
  for (const char* path : {"/metric", "/metrics/x", "/favicon.ico"}) {
    auto res = client_.Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 404) << path;
  }
}

TEST_F(HttpServerTest, ASecondServerCannotTakeTheSamePort) {
  Logger logger(LogLevel::kError, LogFormat::kLogfmt, &std::cerr);
  HttpServer second(
      Options(), [](const ScrapeRequest&) { return Exposition{}; }, &logger);
  Status bound = second.Bind({"127.0.0.1", server_.port()});
  EXPECT_FALSE(bound.ok());
  EXPECT_NE(bound.message().find("127.0.0.1:" + std::to_string(server_.port())), std::string::npos);
}

}  // namespace
}  // namespace rse
