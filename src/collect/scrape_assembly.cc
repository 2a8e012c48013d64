#include "collect/scrape_assembly.h"

#include <map>
#include <set>
#include <unordered_set>

#include "model/self_metric_names.h"

namespace rse {
namespace {

MetricFamily PerQuery(const char* name, const char* help) {
  return {name, help, MetricType::kGauge, {}};
}

// A key for one series of a family: suffix and label pairs, joined by a byte
// that valid UTF-8 (all label names and values) never contains.
std::string SeriesKey(const Sample& sample) {
  std::string key = sample.suffix;
  for (const Label& label : sample.labels) {
    key += '\xff';
    key += label.name;
    key += '\xff';
    key += label.value;
  }
  return key;
}

bool Shared(const QuerySpec& query, const std::set<std::string>* shared_queries) {
  return !shared_queries || shared_queries->count(query.name);
}

}  // namespace

Exposition ScrapeAssembly::Assemble(const std::vector<QueryPlan>& plans) const {
  Exposition exposition;
  std::vector<MetricFamily>& out = exposition.families;
  MetricFamily success =
      PerQuery(kQuerySuccessMetric,
               "Whether the query's latest run in this scrape succeeded (1) or not (0).");
  MetricFamily duration = PerQuery(
      kQueryDurationMetric,
      "Duration of the query run whose result was served (or of the failed run), in seconds.");
  MetricFamily wait =
      PerQuery(kQueryWaitMetric,
               "Time the query run whose result was served (or the failed run) "
               "waited for a worker and a connection before it started, in seconds.");
  MetricFamily rows =
      PerQuery(kQueryRowsMetric, "Rows returned by the query run whose result was served.");
  MetricFamily age =
      PerQuery(kQueryCacheAgeMetric,
               "Age of the cached result served for a slow (cached) query, in seconds.");
  MetricFamily staleness = PerQuery(
      kQueryMaxStalenessMetric,
      "Oldest a cached query's result may be and still be served, in seconds (its "
      "max_staleness); with no cache_age series beside it, nothing usable is cached.");
  MetricFamily where = PerQuery(kQueryReplicaInfoMetric,
                                "The replica each query ran on, present only in a scrape that "
                                "failed over to another replica mid-way.");
  // Series of shared names already produced, per metric name: a second
  // query producing one drops its samples.
  std::map<std::string, std::unordered_set<std::string>> produced;
  for (const QueryPlan& plan : plans) {
    const QuerySpec& query = *plan.query;
    SharedOutcome served;
    bool ok = false;
    double seconds = plan.cut ? plan.cut_run_seconds : 0;
    double waited = plan.cut ? plan.cut_wait_seconds : 0;
    if (plan.fresh) {
      served = plan.fresh;
      ok = !cache->LatestRunFailed(query.name);  // A failing refresh shows, stale value or not.
    } else if (plan.result && plan.result->ok()) {
      served = plan.result;
      ok = true;
    } else {
      if (plan.result) {
        seconds = plan.result->duration_seconds;
        waited = plan.result->wait_seconds;
      }
      if (query.cache) {
        served = cache->Get(query.name, query.max_staleness);
        // Still refreshing in the background: what is served came from a good run.
        ok = served && !plan.result && !cache->LatestRunFailed(query.name);
      }
    }
    if (served) {
      seconds = served->duration_seconds;
      waited = served->wait_seconds;
      // A metric dropped for duplicate label sets: the rest is served, but the
      // query did not fully succeed (a fan-out query: in that database).
      for (const MappingError& error : served->mapping_errors)
        ok = ok && (error.reason != QueryError::kDuplicateSeries || !served->databases.empty());
      if (!Shared(query, shared_queries)) {
        if (!served->families.empty()) {
          exposition.blocks.push_back(
              {std::shared_ptr<const std::vector<MetricFamily>>(served, &served->families),
               served->memo, query.cache.has_value()});
        }
      } else {
        for (const MetricFamily& family : served->families) {
          auto& seen = produced[family.name];
          bool clash = false;
          for (const Sample& sample : family.samples) clash = clash || seen.count(SeriesKey(sample));
          if (clash) {
            stats->Count(query.name, QueryError::kDuplicateSeries);
            ok = false;
            continue;
          }
          for (const Sample& sample : family.samples) seen.insert(SeriesKey(sample));
          out.push_back(family);
        }
      }
      if (query.cache) age.samples.push_back({{{"query", query.name}}, cache->AgeSeconds(*served)});
    }
    if (query.cache) {
      staleness.samples.push_back(
          {{{"query", query.name}},
           std::chrono::duration<double>(query.max_staleness).count()});
    }
    const std::vector<Label> labels{{"query", query.name}};
    if (failed_over && plan.result && !plan.result->replica.empty())
      where.samples.push_back({{{"query", query.name}, {"replica", plan.result->replica}}, 1});
    wait.samples.push_back({labels, waited});
    if (served && !served->databases.empty()) {
      // A fan-out query: each database's own success, duration and rows.
      for (const DatabaseRun& run : served->databases) {
        const std::vector<Label> in{{"query", query.name}, {"database", run.database}};
        const bool good = ok && run.status.ok() && !run.duplicate_series;
        success.samples.push_back({in, good ? 1.0 : 0.0});
        duration.samples.push_back({in, run.duration_seconds});
        rows.samples.push_back({in, static_cast<double>(run.rows)});
      }
      continue;
    }
    success.samples.push_back({labels, ok ? 1.0 : 0.0});
    duration.samples.push_back({labels, seconds});
    rows.samples.push_back({labels, served ? static_cast<double>(served->rows) : 0.0});
  }
  for (MetricFamily* family : {&success, &duration, &wait, &rows, &age, &staleness, &where})
    out.push_back(std::move(*family));
  return exposition;
}

}  // namespace rse
