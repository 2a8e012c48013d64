#include "status/status_page.h"

#include <cmath>
#include <cstdio>

#include "http/landing_page.h"  // HtmlEscape
#include "model/metric_family.h"

namespace rse {
namespace {

std::string Esc(const std::string& text) { return HtmlEscape(text); }

std::string Fixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

// "12.3 s ago (2026-12-05T20:16:07.123Z)"; "never" for a time never set.
std::string When(const StatusReport& report, TimePoint at) {
  if (at == TimePoint{}) return "never";
  return "<span title=\"" + Rfc3339(report.EpochOf(at)) + "\">" +
         HumanSeconds(report.SecondsSince(at)) + " ago</span>";
}

const char* kStyle =
    "body{font-family:sans-serif;margin:1.5em;color:#222}"
    "table{border-collapse:collapse;margin-bottom:1.5em}"
    "th,td{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}"
    "th{background:#f0f0f0}td.num{text-align:right}"
    ".ok{background:#e3f5e1}.bad{background:#fbe3e1}.warn{background:#fdf3d8}"
    ".muted{color:#777}code{font-size:90%}pre{white-space:pre-wrap;margin:0}";

std::string StateClass(const std::string& state) {
  if (state == "healthy") return "ok";
  if (state == "lagging" || state == "backoff") return "warn";
  return "bad";
}

std::string Header(const StatusReport& report) {
  std::string out = "<h1>replica_sql_exporter status</h1>\n<p>Cluster <b>" + Esc(report.cluster) +
                    "</b> (" + Esc(report.engine) + "), version " + Esc(report.version) +
                    " (revision " + Esc(report.revision) + "), up " +
                    HumanSeconds(report.now - report.started_at) + ", page made " +
                    Rfc3339(report.now) + ". <a href=\"/\">Home</a> · <a href=\"" +
                    Esc(report.telemetry_path) +
                    "\">Metrics</a> · <a href=\"/status.json\">This page as JSON</a> · "
                    "<a href=\"/config\">Configuration</a></p>\n";
  const ConfigHistory& config = report.config;
  out += "<p id=\"config\">Configuration generation <b>" + std::to_string(config.generation) +
         "</b>, loaded " + Rfc3339(config.loaded_at) + ". ";
  if (config.last_attempt_at <= 0) {
    out += "No reload since start.";
  } else {
    out += "Last reload (" + Esc(config.last_trigger) + ", " + Rfc3339(config.last_attempt_at) +
           "): " + (config.last_ok ? "<span class=\"ok\">succeeded</span>"
                                   : "<span class=\"bad\">failed; the running configuration "
                                     "stays</span>");
  }
  out += "</p>\n";
  if (!config.last_ok) out += "<pre class=\"bad\">" + Esc(config.last_error) + "</pre>\n";
  return out;
}

std::string Replicas(const StatusReport& report) {
  size_t healthy = 0;
  for (const MemberSnapshot& member : report.replicas) healthy += member.state == MemberState::kHealthy;
  std::string out = "<h2>Replicas</h2>\n<p id=\"replicas-summary\">" + std::to_string(healthy) +
                    " of " + std::to_string(report.replicas.size()) +
                    " in the rotation.</p>\n<table id=\"replicas\">\n<tr><th>Address</th>"
                    "<th>State</th><th>Since</th><th>Role</th><th>Lag</th><th>Rise / fall</th>"
                    "<th>Sessions<br>open · in use · waiting (cap)</th><th>Scrapes served</th>"
                    "<th>Last error</th></tr>\n";
  for (const MemberSnapshot& member : report.replicas) {
    const std::string state = DisplayedState(member, report.now_steady);
    std::string detail = Esc(state);
    if (!member.reason.empty()) detail += "<br><span class=\"muted\">" + Esc(member.reason) + "</span>";
    if (state == "backoff" || (member.retry_at && *member.retry_at > report.now_steady)) {
      detail += "<br><span class=\"muted\">next try in " +
                HumanSeconds(-report.SecondsSince(*member.retry_at)) + "</span>";
    }
    std::string role = Esc(member.role);
    if (member.load_balancer) role += " <span class=\"muted\">(load balancer)</span>";
    if (!member.server.empty()) role += "<br><span class=\"muted\">" + Esc(member.server) + "</span>";
    const std::string lag = member.lag_seconds ? Fixed(*member.lag_seconds, 3) + " s" : "—";
    std::string damping;
    if (member.state == MemberState::kHealthy) {
      damping = "in; lagging " + std::to_string(member.falling) + " of " + std::to_string(member.fall);
    } else {
      damping = "out; healthy " + std::to_string(member.rising) + " of " + std::to_string(member.rise);
    }
    const std::string error =
        member.last_error.empty()
            ? "<span class=\"muted\">none</span>"
            : Esc(member.last_error) + "<br><span class=\"muted\">" +
                  When(report, member.last_error_at) + "</span>";
    out += "<tr class=\"" + StateClass(state) + "\" data-state=\"" + Esc(state) + "\"><td><code>" +
           Esc(member.label) + "</code></td><td>" + detail + "</td><td>" +
           When(report, member.since) + "</td><td>" + role + "</td><td class=\"num\">" + lag +
           "</td><td>" + damping + "</td><td class=\"num\">" +
           std::to_string(member.sessions_open) + " · " +
           std::to_string(member.sessions_open - member.sessions_idle) + " · " +
           std::to_string(member.sessions_waiting) + " (" + std::to_string(member.sessions_cap) +
           ")</td><td class=\"num\">" + std::to_string(member.scrapes_served) + "</td><td>" +
           error + "</td></tr>\n";
  }
  return out + "</table>\n";
}

std::string MetricList(const QueryStatus& query) {
  std::string out;
  for (const MetricSpec& metric : query.metrics) {
    // Appended piece by piece: "," + Esc(...) trips GCC 12's -Wrestrict
    // false positive (bug 105329) in optimised builds.
    std::string labels;
    auto add = [&labels](const std::string& item) {
      if (!labels.empty()) labels += ',';
      labels += item;
    };
    for (const std::string& label : metric.labels) add(Esc(label));
    for (const Label& label : metric.static_labels) add(Esc(label.name) + "=\"" + Esc(label.value) + "\"");
    out += "<br><code class=\"muted\">";
    out += Esc(metric.name);
    if (!labels.empty()) {
      out += '{';
      out += labels;
      out += '}';
    }
    out += ' ';
    out += MetricTypeName(metric.type);
    out += "</code>";
  }
  return out;
}

// A fan-out query's databases in its latest run: how many succeeded, and
// each that failed with its reason.
std::string DatabaseList(const QueryRun& run) {
  if (run.databases.empty()) return "";
  size_t good = 0;
  std::string failed;
  for (const DatabaseRunStatus& database : run.databases) {
    if (database.ok) {
      ++good;
      continue;
    }
    failed += "<br><span class=\"bad\">" + Esc(database.database) + ": " + Esc(database.reason) +
              "</span>";
  }
  return "<br><span class=\"muted\">" + std::to_string(good) + " of " +
         std::to_string(run.databases.size()) + " databases succeeded</span>" + failed;
}

std::string QueryRow(const StatusReport& report, const QueryStatus& query) {
  std::string success = "never ran", css = "";
  if (query.last_run) {
    success = query.failing ? "failed" : "succeeded";
    css = query.failing ? "bad" : "ok";
  }
  std::string run = "<td colspan=\"4\" class=\"muted\">not run yet</td>";
  if (query.last_run) {
    const QueryRun& last = *query.last_run;
    run = "<td>" + When(report, last.finished_at) + "<br><span class=\"muted\">" +
          Fixed(last.duration_seconds, 3) + " s</span></td><td class=\"num\">" +
          std::to_string(last.rows) + "</td><td class=\"num\">" + std::to_string(last.series) +
          "</td><td><code>" + (last.replica.empty() ? "—" : Esc(last.replica)) + "</code>" +
          DatabaseList(last) + "</td>";
  }
  std::string cache = "<span class=\"muted\">not cached</span>";
  if (query.cache) {
    cache = "TTL " + HumanSeconds(query.cache->count() / 1000.0) + ", max staleness " +
            HumanSeconds(query.max_staleness.count() / 1000.0) + "<br>" +
            (query.cached_age_seconds ? "serving a result " + HumanSeconds(*query.cached_age_seconds) + " old"
                                      : std::string("nothing cached yet"));
  }
  std::string errors;
  uint64_t total = 0;
  for (const auto& [reason, count] : query.errors) {
    if (count == 0) continue;
    total += count;
    errors += (errors.empty() ? "" : "<br>") + Esc(reason) + ": " + std::to_string(count);
  }
  if (total == 0) errors = "<span class=\"muted\">0</span>";
  std::string last_error = "<span class=\"muted\">none</span>";
  if (query.last_error) {
    last_error = "<b>" + Esc(query.last_error->reason) + "</b>: <span class=\"message\">" +
                 Esc(query.last_error->message) + "</span><br><span class=\"muted\">" +
                 When(report, query.last_error->at) + "</span>";
  }
  return "<tr class=\"" + css + "\" data-success=\"" + success + "\"><td><b>" + Esc(query.name) +
         "</b> <span class=\"muted\">" + Esc(query.where) + "</span>" +
         (query.snapshot.empty() ? "" : " <span class=\"muted\">snapshot " + Esc(query.snapshot) + "</span>") +
         (query.fan_out ? " <span class=\"muted\">per database (" + Esc(query.fan_out->label) + ")</span>"
                        : std::string()) +
         MetricList(query) +
         "</td><td>" + (query.group.empty() ? "<span class=\"muted\">—</span>" : Esc(query.group)) +
         "</td><td>" + success + "</td>" + run + "<td>" + cache + "</td><td>" + errors + "</td><td>" +
         last_error + "</td></tr>\n";
}

std::string Queries(const StatusReport& report) {
  size_t failing = 0;
  for (const QueryStatus& query : report.queries) failing += query.last_run && query.failing;
  std::string out = "<h2>Queries</h2>\n<p id=\"queries-summary\">" + std::to_string(report.queries.size()) +
                    " queries, " + std::to_string(failing) +
                    " failing.</p>\n<table id=\"queries\">\n<tr><th>Query</th><th>Group</th>"
                    "<th>Success</th><th>Last run</th><th>Rows</th><th>Series</th><th>Replica</th>"
                    "<th>Cache</th><th>Errors</th><th>Last error</th></tr>\n";
  for (const QueryStatus& query : report.queries) out += QueryRow(report, query);
  return out + "</table>\n";
}

}  // namespace

std::string HumanSeconds(double seconds) {
  if (seconds < 0) seconds = 0;
  if (seconds < 1) return std::to_string(static_cast<int>(std::lround(seconds * 1000))) + " ms";
  if (seconds < 60) return Fixed(seconds, 1) + " s";
  const long whole = static_cast<long>(seconds);
  auto two = [](long big, const char* big_unit, long small, const char* small_unit) {
    return std::to_string(big) + " " + big_unit + (small ? " " + std::to_string(small) + " " + small_unit : "");
  };
  if (whole < 3600) return two(whole / 60, "min", whole % 60, "s");
  if (whole < 86400) return two(whole / 3600, "h", whole % 3600 / 60, "min");
  return two(whole / 86400, "d", whole % 86400 / 3600, "h");
}

std::string RenderStatusPage(const StatusReport& report) {
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>" +
         Esc(report.cluster) + " · replica_sql_exporter status</title><style>" + kStyle +
         "</style></head>\n<body>\n" + Header(report) + Replicas(report) + Queries(report) +
         "</body>\n</html>\n";
}

}  // namespace rse
