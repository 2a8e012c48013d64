#include "collect/query_stats.h"

#include "model/self_metric_names.h"

namespace rse {

QueryStats::QueryStats(const std::vector<QuerySpec>& queries) {
  for (const QuerySpec& query : queries) {
    for (QueryError reason : kAllQueryErrors) errors_[query.name][QueryErrorLabel(reason)] = 0;
  }
}

void QueryStats::CountMappingErrors(const std::string& query, const QueryOutcome& outcome) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& counts = errors_[query];
  for (const MappingError& error : outcome.mapping_errors) {
    if (outcome.ok() || error.reason != outcome.reason) ++counts[QueryErrorLabel(error.reason)];
  }
}

void QueryStats::Count(const std::string& query, QueryError reason, uint64_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  errors_[query][QueryErrorLabel(reason)] += n;
}

bool QueryStats::SetFailing(const std::string& query, bool failing) {
  std::lock_guard<std::mutex> lock(mu_);
  bool& slot = failing_[query];
  const bool changed = slot != failing;
  slot = failing;
  return changed;
}

void QueryStats::CopyFrom(const QueryStats& other, const std::string& query) {
  std::scoped_lock lock(mu_, other.mu_);
  if (auto it = other.errors_.find(query); it != other.errors_.end()) errors_[query] = it->second;
  if (auto it = other.failing_.find(query); it != other.failing_.end()) failing_[query] = it->second;
}

MetricFamily QueryStats::ErrorsFamily() const {
  std::set<std::string> all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& entry : errors_) all.insert(entry.first);
  }
  return ErrorsFamily(all);
}

MetricFamily QueryStats::ErrorsFamily(const std::set<std::string>& only) const {
  MetricFamily family{kQueryErrorsMetric,
                      "Errors of catalog queries by reason: " + QueryErrorList() + ".",
                      MetricType::kCounter,
                      {}};
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [query, reasons] : errors_) {
    if (!only.count(query)) continue;
    for (const auto& [reason, count] : reasons) {
      family.samples.push_back(
          {{{"query", query}, {"reason", reason}}, static_cast<double>(count)});
    }
  }
  return family;
}

}  // namespace rse
