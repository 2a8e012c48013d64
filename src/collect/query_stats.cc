#include "collect/query_stats.h"

#include "model/self_metric_names.h"

namespace rse {

QueryStats::QueryStats(const std::vector<QuerySpec>& queries) {
  for (const QuerySpec& query : queries) {
    for (QueryError reason : kAllQueryErrors) errors_[query.name][QueryErrorLabel(reason)] = 0;
  }
}

void QueryStats::CountMappingErrors(const std::string& query, const QueryOutcome& outcome) {
  MutexLock lock(&mu_);
  auto& counts = errors_[query];
  for (const MappingError& error : outcome.mapping_errors) {
    if (outcome.ok() || error.reason != outcome.reason) ++counts[QueryErrorLabel(error.reason)];
  }
}

void QueryStats::Count(const std::string& query, QueryError reason, uint64_t n) {
  MutexLock lock(&mu_);
  errors_[query][QueryErrorLabel(reason)] += n;
}

void QueryStats::CountIn(const std::string& query, const std::string& database,
                         QueryError reason) {
  MutexLock lock(&mu_);
  ++database_errors_[query][database][QueryErrorLabel(reason)];
}

void QueryStats::KeepDatabases(const std::string& query, const std::set<std::string>& databases) {
  MutexLock lock(&mu_);
  auto it = database_errors_.find(query);
  if (it == database_errors_.end()) return;
  std::erase_if(it->second, [&](const auto& entry) { return !databases.count(entry.first); });
}

bool QueryStats::SetFailing(const std::string& query, bool failing) {
  MutexLock lock(&mu_);
  bool& slot = failing_[query];
  const bool changed = slot != failing;
  slot = failing;
  return changed;
}

void QueryStats::RecordRun(const std::string& query, const QueryOutcome& outcome) {
  QueryRun run;
  run.finished_at = outcome.finished_at;
  run.duration_seconds = outcome.duration_seconds;
  run.rows = outcome.rows;
  run.series = outcome.series;
  run.replica = outcome.replica;
  run.ok = outcome.ok();
  if (!outcome.ok()) run.reason = QueryErrorLabel(outcome.reason);
  for (const DatabaseRun& database : outcome.databases) {
    DatabaseRunStatus& status = run.databases.emplace_back();
    status.database = database.database;
    status.ok = database.status.ok();
    if (!status.ok) {
      status.reason = QueryErrorLabel(database.reason);
      status.message = database.status.message();
    }
    status.duration_seconds = database.duration_seconds;
    status.rows = database.rows;
  }
  std::optional<QueryFailure> failure;
  if (!outcome.ok()) {
    failure = QueryFailure{outcome.finished_at, run.reason, outcome.status.message()};
  } else {
    // A database of a fan-out query that failed.
    for (const DatabaseRun& database : outcome.databases) {
      if (!database.status.ok())
        failure = QueryFailure{outcome.finished_at, QueryErrorLabel(database.reason),
                               database.status.message()};
    }
    // A metric rejected from a result that served the rest (null values are not errors).
    for (const MappingError& error : outcome.mapping_errors) {
      if (error.reason == QueryError::kNullValue) continue;
      failure = QueryFailure{outcome.finished_at, QueryErrorLabel(error.reason), error.message};
    }
  }
  MutexLock lock(&mu_);
  QueryRun& last = last_run_[query];
  // Executions shared by scrapes may publish out of order: keep the newest.
  if (last.finished_at <= run.finished_at) last = std::move(run);
  if (failure) {
    QueryFailure& slot = last_error_[query];
    if (slot.at <= failure->at) slot = std::move(*failure);
  }
}

void QueryStats::RecordFailure(const std::string& query, QueryFailure failure) {
  MutexLock lock(&mu_);
  QueryFailure& slot = last_error_[query];
  if (slot.at <= failure.at) slot = std::move(failure);
}

void QueryStats::Describe(const std::string& query, QueryStatus* status) const {
  MutexLock lock(&mu_);
  if (auto it = errors_.find(query); it != errors_.end()) status->errors = it->second;
  if (auto it = failing_.find(query); it != failing_.end()) status->failing = it->second;
  if (auto it = last_run_.find(query); it != last_run_.end()) status->last_run = it->second;
  if (auto it = last_error_.find(query); it != last_error_.end()) status->last_error = it->second;
}

void QueryStats::CopyFrom(const QueryStats& other, const std::string& query) {
  MutexLockPair lock(&mu_, &other.mu_);
  if (auto it = other.errors_.find(query); it != other.errors_.end()) errors_[query] = it->second;
  if (auto it = other.database_errors_.find(query); it != other.database_errors_.end())
    database_errors_[query] = it->second;
  if (auto it = other.failing_.find(query); it != other.failing_.end()) failing_[query] = it->second;
  if (auto it = other.last_run_.find(query); it != other.last_run_.end()) last_run_[query] = it->second;
  if (auto it = other.last_error_.find(query); it != other.last_error_.end())
    last_error_[query] = it->second;
}

MetricFamily QueryStats::ErrorsFamily() const {
  std::set<std::string> all;
  {
    MutexLock lock(&mu_);
    for (const auto& entry : errors_) all.insert(entry.first);
  }
  return ErrorsFamily(all);
}

MetricFamily QueryStats::ErrorsFamily(const std::set<std::string>& only) const {
  MetricFamily family{kQueryErrorsMetric,
                      "Errors of catalog queries by reason: " + QueryErrorList() + ".",
                      MetricType::kCounter,
                      {}};
  MutexLock lock(&mu_);
  for (const auto& [query, reasons] : errors_) {
    if (!only.count(query)) continue;
    for (const auto& [reason, count] : reasons) {
      family.samples.push_back(
          {{{"query", query}, {"reason", reason}}, static_cast<double>(count)});
    }
  }
  for (const auto& [query, databases] : database_errors_) {
    if (!only.count(query)) continue;
    for (const auto& [database, reasons] : databases) {
      for (const auto& [reason, count] : reasons) {
        family.samples.push_back({{{"query", query}, {"reason", reason}, {"database", database}},
                                  static_cast<double>(count)});
      }
    }
  }
  return family;
}

}  // namespace rse
