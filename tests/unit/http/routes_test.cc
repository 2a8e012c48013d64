// The routes as a pure function of request to response: no sockets, no
// threads; what the transport adds (framing, keep-alive) is tested beside it.
#include "http/routes.h"

#include <gtest/gtest.h>

#include <sstream>

#include "base/clock.h"

namespace rse {
namespace {

// "s3cret", bcrypt cost 10.
constexpr const char* kHash = "$2y$10$EhYP68tEkfpMrr1rL2.TW.5x9E8kVisgSSWTox854Ugu.sv4cjvnO";

HttpRequest Request(std::string method, std::string target,
                    std::vector<std::pair<std::string, std::string>> headers = {}) {
  HttpRequest request;
  request.method = std::move(method);
  request.target = target;
  const size_t query = target.find('?');
  request.path = PercentDecode(std::string_view(target).substr(0, query));
  if (query != std::string::npos) request.query = target.substr(query + 1);
  request.headers = std::move(headers);
  return request;
}

class RoutesTest : public ::testing::Test {
 protected:
  RoutesTest() : logger_(LogLevel::kError, LogFormat::kLogfmt, &log_) {
    options_.landing = {"1.2.3", "abc", "shop", "postgres"};
    options_.enable_lifecycle = true;
    options_.reload = [this] { ++reloads_; return reload_result_; };
    options_.quit = [this] { ++quits_; };
    options_.config_page = [] { return std::string("cluster: shop\n"); };
    options_.status_page = [] { return std::string("<p>status</p>"); };
    options_.status_json = [] { return std::string("{}"); };
    open_.auth = std::make_unique<BasicAuthenticator>(std::map<std::string, std::string>{},
                                                      DefaultClock());
  }
  Routes Make() {
    return Routes(options_, [this](const ScrapeRequest& request) {
      seen_timeout_ = request.timeout_header;
      seen_groups_ = request.groups;
      ++scrapes_;
      Exposition exposition;
      exposition.families = {{"shop_orders", "Orders.", MetricType::kGauge, {{{}, 3}}}};
      return exposition;
    }, &logger_);
  }
  static std::string Body(const HttpResponse& response) {
    return response.runs ? response.runs->Join() : response.body;
  }

  std::ostringstream log_;
  Logger logger_;
  RouteOptions options_;
  RouteSecurity open_;
  int scrapes_ = 0;
  int reloads_ = 0;
  int quits_ = 0;
  Status reload_result_ = Status::Ok();
  std::optional<std::string> seen_timeout_;
  std::vector<std::string> seen_groups_;
};

TEST_F(RoutesTest, MetricsPassesTheTimeoutHeaderAndNegotiatesTheFormat) {
  Routes routes = Make();
  HttpResponse plain = routes.Handle(
      Request("GET", "/metrics", {{"x-prometheus-scrape-timeout-seconds", "4.5"}}), open_);
  EXPECT_EQ(plain.status, 200);
  EXPECT_EQ(seen_timeout_, "4.5") << "header names are case-insensitive";
  EXPECT_NE(Body(plain).find("shop_orders 3"), std::string::npos);
  EXPECT_EQ(plain.Header("Content-Type").value_or(""), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_FALSE(plain.Header("Content-Encoding").has_value());
  HttpResponse open_metrics = routes.Handle(
      Request("GET", "/metrics?x=1", {{"Accept", "application/openmetrics-text; version=1.0.0"}}),
      open_);
  EXPECT_NE(Body(open_metrics).find("# EOF"), std::string::npos) << "the query does not change the path";
  HttpResponse gzip =
      routes.Handle(Request("GET", "/metrics", {{"Accept-Encoding", "gzip;q=0"}}), open_);
  EXPECT_FALSE(gzip.Header("Content-Encoding").has_value()) << "q=0 refuses gzip";
  EXPECT_EQ(scrapes_, 3);
}

TEST_F(RoutesTest, QueryGroupsAreAskedForByNameAndAnUnknownOneIs400WithTheKnownNames) {
  options_.groups = [] { return std::vector<std::string>{"hourly", "slow-ones"}; };
  Routes routes = Make();
  EXPECT_EQ(routes.Handle(Request("GET", "/metrics"), open_).status, 200);
  EXPECT_TRUE(seen_groups_.empty()) << "plain /metrics: the queries without a group";
  EXPECT_EQ(routes.Handle(Request("GET", "/metrics?group=hourly&x=1&group=slow%2Dones&group=hourly"),
                          open_).status, 200);
  EXPECT_EQ(seen_groups_, (std::vector<std::string>{"hourly", "slow-ones"}));
  HttpResponse unknown = routes.Handle(Request("GET", "/metrics?group=daily"), open_);
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(Body(unknown),
            "unknown query group \"daily\"; the catalog's groups: hourly, slow-ones\n");
  EXPECT_EQ(routes.Handle(Request("GET", "/metrics?group="), open_).status, 400);
  EXPECT_EQ(scrapes_, 2) << "a refused group runs nothing";
}

TEST(QueryValuesTest, RepeatsInOrderDecodedOthersIgnored) {
  EXPECT_EQ(QueryValues("group=a&b=2&group=c%20d&group=e+f&groupx=g&group", "group"),
            (std::vector<std::string>{"a", "c d", "e f", ""}));
  EXPECT_TRUE(QueryValues("", "group").empty());
}

TEST_F(RoutesTest, MethodsPathsAndTheirStatuses) {
  Routes routes = Make();
  EXPECT_EQ(routes.Handle(Request("GET", "/"), open_).status, 200);
  EXPECT_NE(routes.Handle(Request("GET", "/"), open_).body.find("href=\"/metrics\""), std::string::npos);
  EXPECT_EQ(routes.Handle(Request("HEAD", "/-/healthy"), open_).status, 200);
  EXPECT_EQ(routes.Handle(Request("GET", "/-/ready"), open_).status, 200);
  EXPECT_EQ(routes.Handle(Request("GET", "/config"), open_).body, "cluster: shop\n");
  HttpResponse post = routes.Handle(Request("POST", "/metrics"), open_);
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.Header("Allow").value_or(""), "GET, HEAD");
  EXPECT_EQ(routes.Handle(Request("TRACE", "/nope"), open_).status, 404);
  EXPECT_EQ(routes.Handle(Request("CONNECT", "example.org:443"), open_).status, 405);
  EXPECT_EQ(routes.Handle(Request("GET", "/%2e%2e/etc/passwd"), open_).status, 404);
  HttpResponse brew = routes.Handle(Request("BREW", "/metrics"), open_);
  EXPECT_EQ(brew.status, 400);
  EXPECT_TRUE(brew.close) << "a request we cannot frame ends the connection";
  EXPECT_EQ(scrapes_, 0) << "no scrape for a refused method";
}

TEST_F(RoutesTest, TheStatusPageAndItsJsonAreLinkedGuardedAndNeverCached) {
  Routes routes = Make();
  EXPECT_NE(routes.Handle(Request("GET", "/"), open_).body.find("href=\"/status\""), std::string::npos);
  HttpResponse page = routes.Handle(Request("GET", "/status"), open_);
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.body, "<p>status</p>");
  EXPECT_EQ(page.Header("Content-Type").value_or(""), "text/html; charset=utf-8");
  EXPECT_EQ(page.Header("Cache-Control").value_or(""), "no-store");
  HttpResponse json = routes.Handle(Request("GET", "/status.json"), open_);
  EXPECT_EQ(json.body, "{}");
  EXPECT_EQ(json.Header("Content-Type").value_or(""), "application/json");
  EXPECT_EQ(routes.Handle(Request("POST", "/status"), open_).status, 405);
  RouteSecurity guarded;
  guarded.auth = std::make_unique<BasicAuthenticator>(
      std::map<std::string, std::string>{{"alice", kHash}}, DefaultClock());
  EXPECT_EQ(routes.Handle(Request("GET", "/status"), guarded).status, 401) << "as /metrics is";
  EXPECT_EQ(routes.Handle(Request("GET", "/status.json"), guarded).status, 401);
  options_.status_page = nullptr;
  options_.status_json = nullptr;
  EXPECT_EQ(Make().Handle(Request("GET", "/status"), open_).status, 404);
}

TEST_F(RoutesTest, LifecycleNeedsPostAndTheFlag) {
  Routes routes = Make();
  EXPECT_EQ(routes.Handle(Request("GET", "/-/reload"), open_).status, 405);
  EXPECT_EQ(routes.Handle(Request("POST", "/-/reload"), open_).status, 200);
  reload_result_ = Status::InvalidArgument("queries/shop.toml:3: bad");
  HttpResponse failed = routes.Handle(Request("PUT", "/-/reload"), open_);
  EXPECT_EQ(failed.status, 500);
  EXPECT_NE(failed.body.find("queries/shop.toml:3: bad"), std::string::npos);
  EXPECT_EQ(reloads_, 2);
  EXPECT_EQ(routes.Handle(Request("POST", "/-/quit"), open_).status, 200);
  EXPECT_EQ(quits_, 1);
  options_.enable_lifecycle = false;
  Routes closed = Make();
  EXPECT_EQ(closed.Handle(Request("POST", "/-/quit"), open_).status, 403);
  EXPECT_EQ(quits_, 1);
}

TEST_F(RoutesTest, BasicAuthGuardsAllButHealthAndHeadersGoOnEveryAnswer) {
  Routes routes = Make();
  RouteSecurity guarded;
  guarded.auth = std::make_unique<BasicAuthenticator>(
      std::map<std::string, std::string>{{"alice", kHash}}, DefaultClock());
  guarded.headers = {{"X-Frame-Options", "deny"}};
  HttpResponse denied = routes.Handle(Request("GET", "/metrics"), guarded);
  EXPECT_EQ(denied.status, 401);
  EXPECT_EQ(denied.Header("WWW-Authenticate").value_or(""), "Basic");
  EXPECT_EQ(denied.Header("x-frame-options").value_or(""), "deny");
  EXPECT_EQ(routes.Handle(Request("POST", "/-/quit"), guarded).status, 401) << "lifecycle too";
  EXPECT_EQ(routes.Handle(Request("GET", "/-/healthy"), guarded).status, 200);
  // alice:s3cret
  HttpResponse allowed = routes.Handle(
      Request("GET", "/metrics", {{"Authorization", "Basic YWxpY2U6czNjcmV0"}}), guarded);
  EXPECT_EQ(allowed.status, 200);
  EXPECT_EQ(allowed.Header("X-Frame-Options").value_or(""), "deny");
  EXPECT_EQ(quits_, 0);
  EXPECT_EQ(scrapes_, 1);
}

TEST_F(RoutesTest, DoubleFramingIs400AndCloses) {
  Routes routes = Make();
  HttpResponse smuggled = routes.Handle(
      Request("POST", "/-/quit", {{"Content-Length", "5"}, {"Transfer-Encoding", "chunked"}}), open_);
  EXPECT_EQ(smuggled.status, 400);
  EXPECT_TRUE(smuggled.close);
  EXPECT_EQ(quits_, 0);
}

TEST_F(RoutesTest, AThrowingHandlerIsALogged500) {
  Routes routes(options_, [](const ScrapeRequest&) -> Exposition { throw std::runtime_error("boom"); },
                &logger_);
  HttpResponse response = routes.Handle(Request("GET", "/metrics"), open_);
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(response.body.find("boom"), std::string::npos) << "details stay in the log";
  EXPECT_NE(log_.str().find("boom"), std::string::npos);
}

TEST(PercentDecodeTest, DecodesEscapesAndKeepsMalformedOnes) {
  EXPECT_EQ(PercentDecode("/%2e%2E/x"), "/../x");
  EXPECT_EQ(PercentDecode("/a%2"), "/a%2");
  EXPECT_EQ(PercentDecode("/a%zz"), "/a%zz");
  EXPECT_EQ(PercentDecode("%41"), "A");
}

}  // namespace
}  // namespace rse
