// `generate rules`: Prometheus alerting rules for one catalog (the exporter
// down, no healthy replica, the serving replica lagging, each query failing,
// each cached query past its max_staleness) and a promtool unit test that
// fires every one of them. Text in, text out: no database, no network.
#pragma once

#include <string>

#include "catalog/query_catalog.h"
#include "config/exporter_config.h"

namespace rse {

struct RulesOptions {
  // The job of plain /metrics; a group's job is "<job>_<group>", as in
  // examples/prometheus/prometheus.yml.
  std::string job = "replica_sql_exporter";
  std::string rules_file = "replica_sql_exporter.rules.yml";  // As the test names it.
};

struct GeneratedRules {
  std::string rules;  // For rule_files:, passes `promtool check rules`.
  std::string test;   // For `promtool test rules`, beside the rules file.
};

// "x.rules.yml" → "x.rules.test.yml": where the test goes, beside the rules.
std::string TestFileName(const std::string& rules_file);

GeneratedRules GenerateAlertRules(const ExporterConfig& config, const QueryCatalog& catalog,
                                  const RulesOptions& options = {});

}  // namespace rse
