#include "collect/self_metrics.h"

#include <cmath>

#include "base/build_info.h"
#include "collect/query_stats.h"
#include "model/self_metric_names.h"

namespace rse {

MetricFamily BuildInfoFamily() {
  return {kBuildInfoMetric,
          "A metric with a constant '1' value labeled by the version and revision of "
          "replica_sql_exporter.",
          MetricType::kGauge,
          {{{{"revision", kRevision}, {"version", kVersion}}, 1}}};
}

MetricFamily UpFamily(bool up) {
  return {kUpMetric,
          "Whether a healthy replica served this scrape (1) or not (0).",
          MetricType::kGauge,
          {{{}, up ? 1.0 : 0.0}}};
}

MetricFamily ScrapeDurationFamily(double seconds) {
  return {kScrapeDurationMetric,
          "Time this scrape took, in seconds.",
          MetricType::kGauge,
          {{{}, seconds}}};
}

std::vector<MetricFamily> ReplicaFamilies(const std::vector<MemberSnapshot>& members) {
  MetricFamily up{kReplicaUpMetric,
                  "Whether the replica was healthy when last checked (1) or not (0).",
                  MetricType::kGauge,
                  {}};
  MetricFamily state{kReplicaStateMetric,
                     "The replica's state when last checked: healthy, down, lagging, primary or "
                     "refused (1 for the current one).",
                     MetricType::kGauge,
                     {}};
  MetricFamily lag{
      kReplicaLagMetric,
      "Replication lag of the replica when last checked, in seconds (NaN when unknown).",
      MetricType::kGauge,
      {}};
  MetricFamily served{
      kReplicaScrapesMetric, "Scrapes served by the replica.", MetricType::kCounter, {}};
  MetricFamily changes{kReplicaStateChangesMetric,
                       "Changes of the replica's state (after damping with rise/fall).",
                       MetricType::kCounter,
                       {}};
  MetricFamily conflicts{kReplicaRecoveryConflictsMetric,
                         "Queries the replica cancelled to replay changes (PostgreSQL recovery "
                         "conflicts); each was retried once on another replica.",
                         MetricType::kCounter,
                         {}};
  MetricFamily rejected{kReplicaSessionsRejectedMetric,
                        "Sessions closed because the server they reached may not serve: behind "
                        "a load balancer, a primary or lagging server; a statement that found a "
                        "primary (PostgreSQL replica gate).",
                        MetricType::kCounter,
                        {}};
  for (const MemberSnapshot& m : members) {
    rejected.samples.push_back({{{"replica", m.label}}, static_cast<double>(m.sessions_rejected)});
    conflicts.samples.push_back(
        {{{"replica", m.label}}, static_cast<double>(m.recovery_conflicts)});
    changes.samples.push_back({{{"replica", m.label}}, static_cast<double>(m.state_changes)});
    up.samples.push_back({{{"replica", m.label}}, m.state == MemberState::kHealthy ? 1.0 : 0.0});
    for (MemberState s : kAllMemberStates) {
      state.samples.push_back(
          {{{"replica", m.label}, {"state", MemberStateName(s)}}, m.state == s ? 1.0 : 0.0});
    }
    lag.samples.push_back({{{"replica", m.label}}, m.lag_seconds.value_or(std::nan(""))});
    served.samples.push_back({{{"replica", m.label}}, static_cast<double>(m.scrapes_served)});
  }
  std::vector<MetricFamily> out;  // Moved in: an initializer list would copy each.
  out.reserve(7);
  for (MetricFamily* family : {&up, &state, &lag, &served, &changes, &conflicts, &rejected})
    out.push_back(std::move(*family));
  return out;
}

void AppendServingFamilies(const std::optional<std::string>& replica,
                           std::optional<double> lag_seconds, std::vector<MetricFamily>* families) {
  families->push_back({kScrapeReplicaLagMetric,
                       "Replication lag of the replica that served this scrape, probed just before "
                       "its queries ran, in seconds: the business data is this old (NaN when "
                       "unknown or no replica served).",
                       MetricType::kGauge,
                       {{{}, replica ? lag_seconds.value_or(std::nan("")) : std::nan("")}}});
  MetricFamily info{kScrapeReplicaInfoMetric,
                    "The replica that served this scrape (1); absent when none did.",
                    MetricType::kGauge,
                    {}};
  if (replica) info.samples.push_back({{{"replica", *replica}}, 1});
  families->push_back(std::move(info));
}

void AppendSelfMetrics(bool up, double scrape_seconds, const std::vector<MemberSnapshot>& members,
                       const QueryStats& stats, const std::set<std::string>& queries,
                       std::vector<MetricFamily>* families) {
  families->push_back(stats.ErrorsFamily(queries));
  families->push_back(UpFamily(up));
  families->push_back(ScrapeDurationFamily(scrape_seconds));
  for (MetricFamily& family : ReplicaFamilies(members)) families->push_back(std::move(family));
  families->push_back(BuildInfoFamily());
}

}  // namespace rse
