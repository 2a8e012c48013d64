#include "collect/self_metrics.h"

#include "base/build_info.h"

namespace rse {

MetricFamily BuildInfoFamily() {
  return {"replica_sql_exporter_build_info",
          "A metric with a constant '1' value labeled by the version and revision of replica_sql_exporter.",
          MetricType::kGauge,
          {{{{"revision", kRevision}, {"version", kVersion}}, 1}}};
}

MetricFamily UpFamily(bool up) {
  return {"replica_sql_up", "Whether a healthy replica served this scrape (1) or not (0).", MetricType::kGauge,
          {{{}, up ? 1.0 : 0.0}}};
}

MetricFamily ScrapeDurationFamily(double seconds) {
  return {"replica_sql_scrape_duration_seconds", "Time this scrape took, in seconds.", MetricType::kGauge,
          {{{}, seconds}}};
}

}  // namespace rse
