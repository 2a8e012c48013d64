#include "collect/query_stats.h"

#include "model/self_metric_names.h"

namespace rse {

QueryStats::QueryStats(const std::vector<QuerySpec>& queries) {
  for (const QuerySpec& query : queries) {
    for (const char* reason : kErrorReasons) errors_[query.name][reason] = 0;
  }
}

void QueryStats::CountExecution(const std::string& query, const QueryOutcome& outcome) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& counts = errors_[query];
  if (!outcome.ok) ++counts[outcome.error_reason];
  for (const MappingError& error : outcome.mapping_errors) {
    if (error.reason != outcome.error_reason || outcome.ok) ++counts[error.reason];
  }
}

void QueryStats::Count(const std::string& query, const std::string& reason, uint64_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  errors_[query][reason] += n;
}

MetricFamily QueryStats::ErrorsFamily() const {
  MetricFamily family{
      kQueryErrorsMetric,
      "Errors of catalog queries by reason: timeout, sql, connection, invalid_value, "
      "duplicate_series, too_many_series, null_value.",
      MetricType::kCounter,
      {}};
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [query, reasons] : errors_) {
    for (const auto& [reason, count] : reasons) {
      family.samples.push_back(
          {{{"query", query}, {"reason", reason}}, static_cast<double>(count)});
    }
  }
  return family;
}

}  // namespace rse
