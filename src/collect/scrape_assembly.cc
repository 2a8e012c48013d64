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

// The per-query self-metrics of one scrape, filled query by query.
struct ScrapeAssembly::QueryFamilies {
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
  MetricFamily staleness =
      PerQuery(kQueryMaxStalenessMetric,
               "Oldest a cached query's result may be and still be served, in seconds (its "
               "max_staleness); with no cache_age series beside it, nothing usable is cached.");
  MetricFamily where = PerQuery(kQueryReplicaInfoMetric,
                                "The replica each query ran on, present only in a scrape that "
                                "failed over to another replica mid-way.");
};

ScrapeAssembly::Served ScrapeAssembly::Choose(const QueryPlan& plan) const {
  const QuerySpec& query = *plan.query;
  Served served;
  served.seconds = plan.cut ? plan.cut_run_seconds : 0;
  served.waited = plan.cut ? plan.cut_wait_seconds : 0;
  if (plan.fresh) {
    served.outcome = plan.fresh;
    served.ok =
        !cache->LatestRunFailed(query.name);  // A failing refresh shows, stale value or not.
  } else if (plan.result && plan.result->ok()) {
    served.outcome = plan.result;
    served.ok = true;
  } else {
    if (plan.result) {
      served.seconds = plan.result->duration_seconds;
      served.waited = plan.result->wait_seconds;
    }
    if (query.cache) {
      served.outcome = cache->Get(query.name, query.max_staleness);
      // Still refreshing in the background: what is served came from a good run.
      served.ok = served.outcome && !plan.result && !cache->LatestRunFailed(query.name);
    }
  }
  if (const SharedOutcome& outcome = served.outcome) {
    served.seconds = outcome->duration_seconds;
    served.waited = outcome->wait_seconds;
    // A metric dropped for duplicate label sets: the rest is served, but the
    // query did not fully succeed (a fan-out query: in that database).
    for (const MappingError& error : outcome->mapping_errors) {
      if (error.reason == QueryError::kDuplicateSeries && outcome->databases.empty())
        served.ok = false;
    }
  }
  return served;
}

bool ScrapeAssembly::AddResult(const QuerySpec& query, const SharedOutcome& served,
                               SeriesSeen* produced, Exposition* exposition) const {
  if (!Shared(query, shared_queries)) {
    if (!served->families.empty()) {
      exposition->blocks.push_back(
          {std::shared_ptr<const std::vector<MetricFamily>>(served, &served->families),
           served->memo, query.cache.has_value()});
    }
    return true;
  }
  bool whole = true;
  for (const MetricFamily& family : served->families) {
    auto& seen = (*produced)[family.name];
    bool clash = false;
    for (const Sample& sample : family.samples) clash = clash || seen.count(SeriesKey(sample));
    if (clash) {
      stats->Count(query.name, QueryError::kDuplicateSeries);
      whole = false;
      continue;
    }
    for (const Sample& sample : family.samples) seen.insert(SeriesKey(sample));
    exposition->families.push_back(family);
  }
  return whole;
}

void ScrapeAssembly::AddSelfMetrics(const QueryPlan& plan, const Served& served,
                                    QueryFamilies* f) const {
  const QuerySpec& query = *plan.query;
  if (query.cache) {
    if (served.outcome)
      f->age.samples.push_back({{{"query", query.name}}, cache->AgeSeconds(*served.outcome)});
    f->staleness.samples.push_back(
        {{{"query", query.name}}, std::chrono::duration<double>(query.max_staleness).count()});
  }
  const std::vector<Label> labels{{"query", query.name}};
  if (failed_over && plan.result && !plan.result->replica.empty())
    f->where.samples.push_back({{{"query", query.name}, {"replica", plan.result->replica}}, 1});
  f->wait.samples.push_back({labels, served.waited});
  if (served.outcome && !served.outcome->databases.empty()) {
    // A fan-out query: each database's own success, duration and rows.
    for (const DatabaseRun& run : served.outcome->databases) {
      const std::vector<Label> in{{"query", query.name}, {"database", run.database}};
      const bool good = served.ok && run.status.ok() && !run.duplicate_series;
      f->success.samples.push_back({in, good ? 1.0 : 0.0});
      f->duration.samples.push_back({in, run.duration_seconds});
      f->rows.samples.push_back({in, static_cast<double>(run.rows)});
    }
    return;
  }
  f->success.samples.push_back({labels, served.ok ? 1.0 : 0.0});
  f->duration.samples.push_back({labels, served.seconds});
  f->rows.samples.push_back(
      {labels, served.outcome ? static_cast<double>(served.outcome->rows) : 0.0});
}

Exposition ScrapeAssembly::Assemble(const std::vector<QueryPlan>& plans) const {
  Exposition exposition;
  QueryFamilies self;
  // Series of shared names already produced, per metric name: a second
  // query producing one drops its samples.
  SeriesSeen produced;
  for (const QueryPlan& plan : plans) {
    Served served = Choose(plan);
    if (served.outcome && !AddResult(*plan.query, served.outcome, &produced, &exposition))
      served.ok = false;
    AddSelfMetrics(plan, served, &self);
  }
  for (MetricFamily* family : {&self.success, &self.duration, &self.wait, &self.rows, &self.age,
                               &self.staleness, &self.where})
    exposition.families.push_back(std::move(*family));
  return exposition;
}

}  // namespace rse
