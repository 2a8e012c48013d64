// A status report made by hand for the page tests: two members (one healthy,
// one backing off) and two queries, with hostile text wherever a database or
// a config can put text.
#pragma once

#include "status/status_report.h"

namespace rse::testing {

inline constexpr const char* kHostile = "<script>alert(\"x\")</script>'&";

inline StatusReport HostileReport() {
  using namespace std::chrono_literals;
  StatusReport report;
  report.version = "1.2.3";
  report.revision = "abc";
  report.cluster = std::string("shop") + kHostile;
  report.engine = "postgres";
  report.now = 1'800'000'000.5;
  report.now_steady = TimePoint{} + 1000h;
  report.started_at = report.now - 3725;
  report.config.generation = 3;
  report.config.loaded_at = report.now - 60;
  report.config.last_attempt_at = report.now - 10;
  report.config.last_trigger = "SIGHUP";
  report.config.last_ok = false;
  report.config.last_error = std::string("queries/x.toml:3: ") + kHostile;

  MemberSnapshot up;
  up.label = "127.0.0.1:5433";
  up.state = MemberState::kHealthy;
  up.since = report.now_steady - 90s;
  up.role = "replica";
  up.server = "127.0.0.1:5433";
  up.lag_seconds = 0.25;
  up.rise = 2;
  up.fall = 2;
  up.falling = 1;
  up.sessions_open = 2;
  up.sessions_idle = 1;
  up.sessions_cap = 2;
  up.scrapes_served = 41;
  MemberSnapshot down;
  down.label = std::string("replica2=") + kHostile;
  down.state = MemberState::kDown;
  down.reason = std::string("connection refused ") + kHostile;
  down.since = report.now_steady - 30s;
  down.role = "unknown";
  down.rise = 2;
  down.fall = 2;
  down.sessions_cap = 2;
  down.retry_at = report.now_steady + 4s;
  down.last_error = std::string("down: ") + kHostile;
  down.last_error_at = report.now_steady - 2s;
  report.replicas = {up, down};

  QueryStatus good;
  good.name = "orders";
  good.where = "queries/shop.toml:1";
  good.snapshot = "totals";
  MetricSpec metric;
  metric.name = "shop_orders";
  metric.labels = {"status"};
  metric.static_labels = {{"team", kHostile}};
  good.metrics = {metric};
  good.cache = 60s;
  good.max_staleness = 120s;
  good.cached_age_seconds = 12.5;
  good.last_run = QueryRun{report.now_steady - 3s, 0.012, 4, 4, "127.0.0.1:5433", true, "", {}};
  good.errors = {{"sql", 0}, {"timeout", 0}};
  QueryStatus bad;
  bad.name = std::string("q") + kHostile;  // Not a valid name in a catalog; escaped all the same.
  bad.group = "hourly";
  bad.where = "queries/shop.toml:9";
  bad.last_run = QueryRun{report.now_steady - 1s, 0.002, 0, 0, "127.0.0.1:5433", false, "sql", {}};
  bad.last_error = QueryFailure{report.now_steady - 1s, "sql", std::string("relation ") + kHostile};
  bad.errors = {{"sql", 3}, {"timeout", 1}};
  bad.failing = true;
  QueryStatus never;
  never.name = "never_ran";
  never.group = "daily";
  report.queries = {good, bad, never};
  return report;
}

}  // namespace rse::testing

namespace rse::testing {

// A fan-out query whose second database (named with hostile text) failed in
// its latest run.
inline QueryStatus FanOutQueryStatus(const StatusReport& report) {
  using namespace std::chrono_literals;
  QueryStatus tenants;
  tenants.name = "tenant_accounts";
  tenants.where = "queries/tenants.toml:1";
  tenants.fan_out = FanOut{{"tenant_1", std::string("t") + kHostile}, "", "tenant", 2};
  tenants.last_run = QueryRun{report.now_steady - 2s, 0.02, 10, 2, "127.0.0.1:5433", true, "", {}};
  tenants.last_run->databases = {
      {"tenant_1", true, "", "", 0.01, 10},
      {std::string("t") + kHostile, false, "connection", std::string("database ") + kHostile, 0.001, 0}};
  tenants.failing = true;
  return tenants;
}

}  // namespace rse::testing
