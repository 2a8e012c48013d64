#include "app/status_sources.h"

namespace rse {

StatusReport GatherStatus(const Exporter& exporter, const Reloader& reloader,
                          const StatusIdentity& identity, const Clock& clock) {
  StatusReport report;
  report.version = identity.version;
  report.revision = identity.revision;
  report.telemetry_path = identity.telemetry_path;
  report.started_at = identity.started_at;
  const auto loaded = reloader.current();
  report.cluster = loaded->config.cluster.name;
  report.engine = EngineName(loaded->config.cluster.engine);
  report.config = reloader.history();
  report.replicas = exporter.ReplicaStatuses();
  report.queries = exporter.QueryStatuses();
  // Read last, together: every time above is then in the past of `now`.
  report.now_steady = clock.Now();
  report.now = EpochNow();
  return report;
}

}  // namespace rse
