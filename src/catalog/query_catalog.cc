#include "catalog/query_catalog.h"

#include <glob.h>

#include <map>
#include <set>

#include "base/read_file.h"
#include "catalog/query_parser.h"
#include "catalog/snapshots.h"
#include "config/toml_fields.h"

namespace rse {
namespace {

std::set<std::string> LabelNames(const MetricSpec& metric) {
  std::set<std::string> names(metric.labels.begin(), metric.labels.end());
  for (const Label& label : metric.static_labels) names.insert(label.name);
  if (!metric.value_label.empty()) names.insert(metric.value_label);
  return names;
}

std::string Join(const std::set<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return "[" + out + "]";
}

// Names must be unique; one metric name fed by several queries must be the
// same family everywhere (type, help, label names), or the exposition would lie.
void CheckAcrossQueries(const std::vector<QuerySpec>& queries, std::vector<std::string>* errors) {
  std::map<std::string, const QuerySpec*> by_name;
  std::map<std::string, const MetricSpec*> families;
  for (const QuerySpec& query : queries) {
    auto [it, inserted] = by_name.emplace(query.name, &query);
    if (!inserted) {
      errors->push_back(query.where + ": query '" + query.name + "': name: already defined at " +
                        it->second->where);
    }
    for (const MetricSpec& metric : query.metrics) {
      auto [first, fresh] = families.emplace(metric.name, &metric);
      if (fresh) continue;
      const MetricSpec& other = *first->second;
      std::string prefix =
          metric.where + ": query '" + query.name + "': metric \"" + metric.name + "\": ";
      if (other.type != metric.type)
        errors->push_back(prefix + "type differs from its definition at " + other.where);
      if (other.help != metric.help)
        errors->push_back(prefix + "help differs from its definition at " + other.where);
      if (other.unit != metric.unit)
        errors->push_back(prefix + "unit differs from its definition at " + other.where);
      auto bounds = [](const MetricSpec& m) {
        std::vector<double> b;
        for (const HistogramBucket& bucket : m.buckets) b.push_back(bucket.upper_bound);
        return b;
      };
      if (bounds(other) != bounds(metric)) {
        errors->push_back(prefix + "buckets differ from its definition at " + other.where);
      }
      if (LabelNames(other) != LabelNames(metric)) {
        errors->push_back(prefix + "labels " + Join(LabelNames(metric)) + " differ from " +
                          Join(LabelNames(other)) + " at " + other.where);
      }
    }
  }
}

// The sample names a family puts in the text format, and its family name in
// OpenMetrics (where a counter's "_total" is dropped).
std::vector<std::string> SeriesNames(const MetricSpec& metric) {
  if (metric.type == MetricType::kHistogram)
    return {metric.name + "_bucket", metric.name + "_sum", metric.name + "_count"};
  return {metric.name};
}
std::string OpenMetricsFamily(const MetricSpec& metric) {
  constexpr std::string_view kTotal = "_total";
  const std::string& n = metric.name;
  if (metric.type == MetricType::kCounter && n.size() > kTotal.size() &&
      n.compare(n.size() - kTotal.size(), kTotal.size(), kTotal) == 0) {
    return n.substr(0, n.size() - kTotal.size());
  }
  return n;
}

// Two different metrics must not produce one series name (a gauge "x_count"
// beside histogram "x") or one OpenMetrics family (counter "x_total" beside
// gauge "x"): Prometheus would merge or reject them.
void CheckSeriesCollisions(const std::vector<QuerySpec>& queries, std::vector<std::string>* errors) {
  std::map<std::string, const MetricSpec*> series;    // Sample name -> first metric.
  std::map<std::string, const MetricSpec*> families;  // OpenMetrics family -> first metric.
  std::set<std::string> seen;                         // Metric names already checked.
  for (const QuerySpec& query : queries) {
    for (const MetricSpec& metric : query.metrics) {
      if (!seen.insert(metric.name).second) continue;  // Same family, checked above.
      const std::string prefix =
          metric.where + ": query '" + query.name + "': metric \"" + metric.name + "\": ";
      for (const std::string& name : SeriesNames(metric)) {
        auto [it, fresh] = series.emplace(name, &metric);
        if (!fresh) {
          errors->push_back(prefix + "its series \"" + name + "\" collide with metric \"" +
                            it->second->name + "\" defined at " + it->second->where);
        }
      }
      auto [it, fresh] = families.emplace(OpenMetricsFamily(metric), &metric);
      if (!fresh) {
        errors->push_back(prefix + "its OpenMetrics family \"" + it->first +
                          "\" collides with metric \"" + it->second->name + "\" defined at " +
                          it->second->where);
      }
    }
  }
}

StatusOr<std::vector<std::string>> ExpandPatterns(const std::vector<std::string>& patterns) {
  std::vector<std::string> files;
  std::set<std::string> seen;
  std::vector<std::string> errors;
  for (const std::string& pattern : patterns) {
    glob_t matches{};
    int rc = glob(pattern.c_str(), 0, nullptr, &matches);
    if (rc == GLOB_NOMATCH) {
      errors.push_back(pattern + ": no query file matches this pattern");
    } else if (rc != 0) {
      errors.push_back(pattern + ": cannot read the directory");
    } else {
      for (size_t i = 0; i < matches.gl_pathc; ++i) {
        if (seen.insert(matches.gl_pathv[i]).second) files.emplace_back(matches.gl_pathv[i]);
      }
    }
    globfree(&matches);
  }
  if (Status status = ErrorsToStatus(errors); !status.ok()) return status;
  return files;
}

}  // namespace

size_t QueryCatalog::MetricCount() const {
  std::set<std::string> names;
  for (const QuerySpec& query : queries) {
    for (const MetricSpec& metric : query.metrics) names.insert(metric.name);
  }
  return names.size();
}

StatusOr<QueryCatalog> ParseQueryCatalog(
    const std::vector<std::pair<std::string, std::string>>& files) {
  QueryCatalog catalog;
  std::vector<std::string> errors;
  std::vector<SnapshotTable> snapshots;
  for (const auto& [name, text] : files) {
    catalog.files.push_back(name);
    auto root = ParseTomlText(text, name);
    if (!root.ok()) {
      errors.push_back(root.status().message());
      continue;
    }
    ParseQueryFile(*root, name, &catalog.queries, &errors);
    ParseSnapshotTables(*root, name, &snapshots, &errors);
  }
  CheckAcrossQueries(catalog.queries, &errors);
  ResolveSnapshots(snapshots, &catalog.queries, &errors);
  CheckSeriesCollisions(catalog.queries, &errors);
  if (Status status = ErrorsToStatus(errors); !status.ok()) return status;
  return catalog;
}

StatusOr<QueryCatalog> LoadQueryCatalog(const std::vector<std::string>& patterns) {
  auto paths = ExpandPatterns(patterns);
  if (!paths.ok()) return paths.status();
  std::vector<std::pair<std::string, std::string>> files;
  for (const std::string& path : *paths) {
    auto text = ReadFile(path);
    if (!text.ok()) return text.status();
    files.emplace_back(path, std::move(*text));
  }
  return ParseQueryCatalog(files);
}

bool SameDefinition(const QuerySpec& a, const QuerySpec& b) {
  auto located_nowhere = [](QuerySpec query) {
    query.where.clear();
    query.group.clear();  // Which URL serves it changes nothing of what it computes.
    for (MetricSpec& metric : query.metrics) metric.where.clear();
    return query;
  };
  return located_nowhere(a) == located_nowhere(b);
}

}  // namespace rse
