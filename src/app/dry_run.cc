#include "app/dry_run.h"

#include <iomanip>
#include <map>
#include <ostream>

#include "app/exporter.h"
#include "exposition/text_format.h"
#include "model/self_metric_names.h"

namespace rse {
namespace {

struct QueryLine {
  double success = 0;
  double rows = 0;
  double seconds = 0;
  std::string reasons;
};

const std::string* LabelOf(const Sample& sample, const char* name) {
  for (const Label& label : sample.labels) {
    if (label.name == name) return &label.value;
  }
  return nullptr;
}

}  // namespace

int DryRun(const LoadedConfig& loaded, const DryRunOptions& options, Logger* logger,
           std::ostream& out, std::ostream& err) {
  auto exporter = Exporter::Create(loaded.config, loaded.catalog, logger, DefaultClock());
  if (!exporter.ok()) {
    err << "replica_sql_exporter: " << exporter.status().message() << "\n";
    return 1;
  }
  // Every query once, whatever its group: "" is the queries without one.
  ScrapeRequest everything;
  everything.groups = {""};
  for (const std::string& group : (*exporter)->Groups()) everything.groups.push_back(group);
  std::vector<MetricFamily> families = (*exporter)->Scrape(everything).Flatten();
  out << RenderText(families);
  out.flush();

  std::map<std::string, QueryLine> queries;
  for (const QuerySpec& query : loaded.catalog.queries) queries[query.name];
  bool up = false;
  std::string replica;
  for (const MetricFamily& family : families) {
    for (const Sample& sample : family.samples) {
      if (family.name == kUpMetric) up = sample.value == 1;
      if (family.name == kScrapeReplicaInfoMetric) {
        if (const std::string* r = LabelOf(sample, "replica")) replica = *r;
      }
      const std::string* query = LabelOf(sample, "query");
      if (query == nullptr || !queries.count(*query)) continue;
      QueryLine& line = queries[*query];
      if (family.name == kQuerySuccessMetric) line.success = sample.value;
      if (family.name == kQueryRowsMetric) line.rows = sample.value;
      if (family.name == kQueryDurationMetric) line.seconds = sample.value;
      if (family.name == kQueryErrorsMetric && sample.value > 0) {
        if (const std::string* reason = LabelOf(sample, "reason")) {
          line.reasons += (line.reasons.empty() ? "" : ",") + *reason;
        }
      }
    }
  }
  int failed = 0;
  err << "\ndry run of " << loaded.config.source << ": "
      << (up ? "served by replica " + replica : std::string("no healthy replica")) << "\n";
  err << std::left << std::setw(32) << "query" << std::setw(8) << "result" << std::right
      << std::setw(10) << "rows" << std::setw(12) << "seconds"
      << "  error\n";
  for (const auto& [name, line] : queries) {
    const bool ok = line.success == 1;
    if (!ok) ++failed;
    err << std::left << std::setw(32) << name << std::setw(8) << (ok ? "ok" : "FAILED")
        << std::right << std::setw(10) << static_cast<long long>(line.rows) << std::setw(12)
        << std::fixed << std::setprecision(3) << line.seconds << "  "
        << (ok ? "" : (line.reasons.empty() ? "see the log above" : line.reasons)) << "\n";
  }
  err << queries.size() - failed << " of " << queries.size() << " queries succeeded\n";
  const int explained = options.explain ? ExplainQueries(**exporter, loaded, options.explain_options, err) : 0;
  return failed == 0 && up && explained == 0 ? 0 : 1;
}

}  // namespace rse
