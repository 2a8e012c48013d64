#include "status/status_json.h"

#include <nlohmann/json.hpp>

#include "model/metric_family.h"

namespace rse {
namespace {

using Json = nlohmann::ordered_json;

Json OrNull(const std::string& text) { return text.empty() ? Json(nullptr) : Json(text); }

template <typename T>
Json OrNull(const std::optional<T>& value) {
  return value ? Json(*value) : Json(nullptr);
}

// A moment as both a wall-clock time and an age, or null when it never happened.
void PutTime(Json& object, const char* at_key, const StatusReport& report, TimePoint at) {
  if (at == TimePoint{}) {
    object[at_key] = nullptr;
    object["seconds_ago"] = nullptr;
    return;
  }
  object[at_key] = Rfc3339(report.EpochOf(at));
  object["seconds_ago"] = report.SecondsSince(at);
}

Json Replica(const StatusReport& report, const MemberSnapshot& member) {
  Json out;
  out["address"] = member.label;
  out["state"] = DisplayedState(member, report.now_steady);
  out["reason"] = OrNull(member.reason);
  out["since"] = Rfc3339(report.EpochOf(member.since));
  out["since_seconds"] = report.SecondsSince(member.since);
  out["role"] = member.role;
  out["server"] = OrNull(member.server);
  out["load_balancer"] = member.load_balancer;
  out["lag_seconds"] = OrNull(member.lag_seconds);
  out["rise"] = {{"healthy_probes", member.rising}, {"needed", member.rise}};
  out["fall"] = {{"lagging_probes", member.falling}, {"needed", member.fall}};
  out["sessions"] = {{"open", member.sessions_open},
                     {"in_use", member.sessions_open - member.sessions_idle},
                     {"idle", member.sessions_idle},
                     {"waiting", member.sessions_waiting},
                     {"cap", member.sessions_cap}};
  out["scrapes_served"] = member.scrapes_served;
  out["state_changes"] = member.state_changes;
  out["recovery_conflicts"] = member.recovery_conflicts;
  out["sessions_rejected"] = member.sessions_rejected;
  out["retry_at"] = member.retry_at && *member.retry_at > report.now_steady
                        ? Json(Rfc3339(report.EpochOf(*member.retry_at)))
                        : Json(nullptr);
  if (member.last_error.empty()) {
    out["last_error"] = nullptr;
  } else {
    Json error{{"message", member.last_error}};
    PutTime(error, "at", report, member.last_error_at);
    out["last_error"] = std::move(error);
  }
  return out;
}

Json Metric(const MetricSpec& metric) {
  Json statics = Json::object();
  for (const Label& label : metric.static_labels) statics[label.name] = label.value;
  return {{"name", metric.name},
          {"type", MetricTypeName(metric.type)},
          {"labels", metric.labels},
          {"static_labels", std::move(statics)}};
}

// A query's latest run; a fan-out query's, database by database.
Json LastRun(const StatusReport& report, const QueryStatus& query, const QueryRun& run) {
  Json last;
  PutTime(last, "at", report, run.finished_at);
  last["duration_seconds"] = run.duration_seconds;
  last["rows"] = run.rows;
  last["series"] = run.series;
  last["replica"] = OrNull(run.replica);
  last["successful"] = run.ok;
  last["error_reason"] = OrNull(run.reason);
  if (query.fan_out) {
    Json databases = Json::array();
    for (const DatabaseRunStatus& database : run.databases) {
      databases.push_back({{"database", database.database},
                           {"successful", database.ok},
                           {"error_reason", OrNull(database.reason)},
                           {"error", OrNull(database.message)},
                           {"duration_seconds", database.duration_seconds},
                           {"rows", database.rows}});
    }
    last["databases"] = std::move(databases);
  }
  return last;
}

Json Query(const StatusReport& report, const QueryStatus& query) {
  Json out;
  out["name"] = query.name;
  out["group"] = OrNull(query.group);
  out["snapshot"] = OrNull(query.snapshot);
  if (query.fan_out) {
    out["fan_out"] = {{"label", query.fan_out->label},
                      {"databases", query.fan_out->databases},
                      {"databases_query", OrNull(query.fan_out->databases_query)}};
  }
  out["defined_at"] = query.where;
  out["success"] = query.last_run ? Json(!query.failing) : Json(nullptr);
  Json metrics = Json::array();
  for (const MetricSpec& metric : query.metrics) metrics.push_back(Metric(metric));
  out["metrics"] = std::move(metrics);
  out["last_run"] = query.last_run ? LastRun(report, query, *query.last_run) : Json(nullptr);
  if (!query.cache) {
    out["cache"] = nullptr;
  } else {
    out["cache"] = {{"ttl_seconds", query.cache->count() / 1000.0},
                    {"max_staleness_seconds", query.max_staleness.count() / 1000.0},
                    {"age_seconds", OrNull(query.cached_age_seconds)}};
  }
  uint64_t total = 0;
  Json errors = Json::object();
  for (const auto& [reason, count] : query.errors) {
    errors[reason] = count;
    total += count;
  }
  out["errors"] = std::move(errors);
  out["errors_total"] = total;
  if (!query.last_error) {
    out["last_error"] = nullptr;
  } else {
    Json error{{"reason", query.last_error->reason}, {"message", query.last_error->message}};
    PutTime(error, "at", report, query.last_error->at);
    out["last_error"] = std::move(error);
  }
  return out;
}

}  // namespace

std::string RenderStatusJson(const StatusReport& report) {
  Json out;
  out["schema"] = kStatusSchemaId;
  out["generated_at"] = Rfc3339(report.now);
  out["exporter"] = {{"version", report.version},
                     {"revision", report.revision},
                     {"cluster", report.cluster},
                     {"engine", report.engine},
                     {"telemetry_path", report.telemetry_path},
                     {"started_at", Rfc3339(report.started_at)},
                     {"uptime_seconds", report.now - report.started_at}};
  Json reload = nullptr;
  if (report.config.last_attempt_at > 0) {
    reload = {{"at", Rfc3339(report.config.last_attempt_at)},
              {"trigger", report.config.last_trigger},
              {"successful", report.config.last_ok},
              {"error", OrNull(report.config.last_error)}};
  }
  out["config"] = {{"generation", report.config.generation},
                   {"loaded_at", Rfc3339(report.config.loaded_at)},
                   {"last_reload", std::move(reload)}};
  size_t healthy = 0, failing = 0;
  Json replicas = Json::array();
  for (const MemberSnapshot& member : report.replicas) {
    healthy += member.state == MemberState::kHealthy;
    replicas.push_back(Replica(report, member));
  }
  Json queries = Json::array();
  for (const QueryStatus& query : report.queries) {
    failing += query.last_run && query.failing;
    queries.push_back(Query(report, query));
  }
  out["summary"] = {{"replicas", report.replicas.size()},
                    {"replicas_healthy", healthy},
                    {"queries", report.queries.size()},
                    {"queries_failing", failing}};
  out["replicas"] = std::move(replicas);
  out["queries"] = std::move(queries);
  // Text from servers may not be UTF-8: replaced, never a thrown exception.
  return out.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace rse
