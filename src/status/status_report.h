// Everything /status and /status.json show, gathered at one instant: the
// process, the configuration's history, the pool's members and the catalog's
// queries. Plain data; the pages are pure functions of it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/clock.h"
#include "collect/query_status.h"
#include "pool/replica_pool.h"

namespace rse {

// The configuration's history since start (see Reloader).
struct ConfigHistory {
  uint64_t generation = 1;  // 1 at start, one more per successful reload.
  double loaded_at = 0;     // When the running generation loaded, seconds since the epoch.
  double last_attempt_at = 0;  // The last reload attempt; 0: none since start.
  std::string last_trigger;    // "SIGHUP", "POST /-/reload".
  bool last_ok = true;
  std::string last_error;  // Every error of a failed reload, one per line.
};

struct StatusReport {
  std::string version;
  std::string revision;
  std::string cluster;
  std::string engine;  // "postgres" or "mysql".
  std::string telemetry_path = "/metrics";
  double started_at = 0;  // Seconds since the epoch.
  // The instant of the report on both clocks: the steady TimePoints below
  // (member and query times) become wall-clock times through them.
  double now = 0;  // Seconds since the epoch.
  TimePoint now_steady{};
  ConfigHistory config;
  std::vector<MemberSnapshot> replicas;
  std::vector<QueryStatus> queries;

  // Seconds since the epoch at `at`, or 0 for a time never set (TimePoint{}).
  double EpochOf(TimePoint at) const;
  // Seconds from `at` to the report (0 for a time never set).
  double SecondsSince(TimePoint at) const;
};

// What a member's state is called on the page: MemberStateName, except that a
// down member not to be tried again yet is "backoff".
std::string DisplayedState(const MemberSnapshot& member, TimePoint now);

// "2026-12-05T20:16:07.123Z" (UTC, milliseconds).
std::string Rfc3339(double epoch_seconds);

}  // namespace rse
