// The names of the exporter's own metrics, in one place. Catalog metrics may
// not start with kSelfMetricPrefix, so they can never collide with these.
#pragma once

#include <string_view>

namespace rse {

inline constexpr std::string_view kSelfMetricPrefix = "replica_sql_";

inline constexpr const char* kBuildInfoMetric = "replica_sql_exporter_build_info";
inline constexpr const char* kUpMetric = "replica_sql_up";
inline constexpr const char* kScrapeDurationMetric = "replica_sql_scrape_duration_seconds";
inline constexpr const char* kScrapeReplicaLagMetric = "replica_sql_scrape_replica_lag_seconds";
inline constexpr const char* kScrapeReplicaInfoMetric = "replica_sql_scrape_replica_info";

inline constexpr const char* kQuerySuccessMetric = "replica_sql_query_success";
inline constexpr const char* kQueryDurationMetric = "replica_sql_query_duration_seconds";
inline constexpr const char* kQueryWaitMetric = "replica_sql_query_wait_seconds";
inline constexpr const char* kQueryRowsMetric = "replica_sql_query_rows";
inline constexpr const char* kQueryCacheAgeMetric = "replica_sql_query_cache_age_seconds";
inline constexpr const char* kQueryMaxStalenessMetric =
    "replica_sql_query_cache_max_staleness_seconds";
inline constexpr const char* kQueryReplicaInfoMetric = "replica_sql_query_replica_info";
inline constexpr const char* kQueryErrorsMetric = "replica_sql_query_errors_total";

inline constexpr const char* kReplicaUpMetric = "replica_sql_replica_up";
inline constexpr const char* kReplicaStateMetric = "replica_sql_replica_state";
inline constexpr const char* kReplicaLagMetric = "replica_sql_replica_lag_seconds";
inline constexpr const char* kReplicaScrapesMetric = "replica_sql_replica_scrapes_total";
inline constexpr const char* kReplicaStateChangesMetric = "replica_sql_replica_state_changes_total";
inline constexpr const char* kReplicaRecoveryConflictsMetric =
    "replica_sql_replica_recovery_conflicts_total";
inline constexpr const char* kReplicaSessionsRejectedMetric =
    "replica_sql_replica_sessions_rejected_total";

inline constexpr const char* kReloadSuccessfulMetric = "replica_sql_config_last_reload_successful";
inline constexpr const char* kReloadTimestampMetric =
    "replica_sql_config_last_reload_success_timestamp_seconds";
inline constexpr const char* kDnsRefreshesMetric = "replica_sql_dns_refreshes_total";

}  // namespace rse
