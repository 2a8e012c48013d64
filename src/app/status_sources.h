// Gathers the status report (status/status_report.h) from the running
// exporter and its reloader, at one instant on both clocks.
#pragma once

#include <string>

#include "app/exporter.h"
#include "app/reloader.h"
#include "base/clock.h"
#include "status/status_report.h"

namespace rse {

struct StatusIdentity {
  std::string version;
  std::string revision;
  std::string telemetry_path = "/metrics";
  double started_at = 0;  // Seconds since the epoch.
};

StatusReport GatherStatus(const Exporter& exporter, const Reloader& reloader,
                          const StatusIdentity& identity, const Clock& clock);

}  // namespace rse
