// Any bytes as the stream of one HTTP connection: read request after request
// as the transport does, route each (lifecycle enabled, basic auth on), and
// check what must hold whatever the bytes: a refused request is a 4xx that
// closes the connection; nothing after a refusal or a closing request is read;
// the lifecycle never runs without the right credentials; no crash, no leak.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "http/request_reader.h"
#include "http/routes.h"

namespace {

// "s3cret", bcrypt cost 4 (cheap enough to fuzz).
constexpr const char* kHash = "$2b$04$qksFp807drs7WgiSBkeVtes/pD1wZaegdeCJgs95Q44NG5unizRdC";

struct Fixture {
  Fixture() : logger(rse::LogLevel::kError, rse::LogFormat::kLogfmt, &sink) {
    rse::RouteOptions options;
    options.enable_lifecycle = true;
    options.reload = [this] { ++lifecycle; return rse::Status::Ok(); };
    options.quit = [this] { ++lifecycle; };
    options.config_page = [] { return std::string("cluster: fuzz\n"); };
    routes = std::make_unique<rse::Routes>(
        options,
        [](const rse::ScrapeRequest&) {
          rse::Exposition exposition;
          exposition.families = {{"fuzz_value", "A value.", rse::MetricType::kGauge, {{{}, 1}}}};
          return exposition;
        },
        &logger);
    security.auth = std::make_unique<rse::BasicAuthenticator>(
        std::map<std::string, std::string>{{"alice", kHash}}, rse::DefaultClock());
  }
  std::ostringstream sink;
  rse::Logger logger;
  std::unique_ptr<rse::Routes> routes;
  rse::RouteSecurity security;
  int lifecycle = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture* fixture = new Fixture();
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  rse::ReadRequestsResult read = rse::ReadRequests(bytes, {});
  if (read.refused && (read.refused->status < 400 || read.refused->status > 499 || !read.refused->close))
    __builtin_trap();
  if (read.requests.size() != read.keep_alive.size()) __builtin_trap();
  for (size_t i = 0; i < read.requests.size(); ++i) {
    // Only the last request may close the connection.
    if (!read.keep_alive[i] && i + 1 != read.requests.size()) __builtin_trap();
    const int before = fixture->lifecycle;
    rse::HttpResponse response = fixture->routes->Handle(read.requests[i], fixture->security);
    if (response.status < 200 || response.status > 599) __builtin_trap();
    if (response.status == 400 && !response.close) __builtin_trap();
    // The fuzzer cannot know alice's password's bcrypt: the lifecycle stays shut.
    if (fixture->lifecycle != before && !read.requests[i].Has("Authorization")) __builtin_trap();
  }
  return 0;
}
