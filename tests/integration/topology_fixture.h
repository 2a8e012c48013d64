// The exporter behind what production puts in front of replicas (shared by
// topology_test.cc and topology_dns_test.cc): the proxies' ports, a catalog
// whose statements carry a marker, and an exporter over one address.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <sstream>
#include <string>

#include "app/exporter.h"
#include "db_env.h"

namespace rse::testing {

using namespace std::chrono_literals;

constexpr int kPgBouncerSession = 26441;
constexpr int kPgBouncerTransaction = 26442;
constexpr int kPgBouncerStatement = 26443;
constexpr int kHaproxyPostgres = 26450;
constexpr int kHaproxyMariadb = 23350;
constexpr const char* kMarker = "rse_topology_marker";

// Four queries, each carrying the marker in its text; one reads back the
// session guards as the server applied them.
inline std::string Catalog(bool pg) {
  std::string out;
  for (int i = 1; i <= 3; ++i) {
    out += "[[query]]\nname = \"topo_q" + std::to_string(i) +
           "\"\nsql = \"SELECT count(*) AS v FROM orders /* " + kMarker + " */\"\n" +
           "[[query.metrics]]\nname = \"topo_q" + std::to_string(i) +
           "_orders\"\nhelp = \"h\"\nvalue = \"v\"\n";
  }
  out += "[[query]]\nname = \"topo_guards\"\nsql = \"\"\"SELECT ";
  out += pg ? "EXTRACT(EPOCH FROM current_setting('lock_timeout')::interval) AS lock_s, "
              "CASE WHEN current_setting('transaction_read_only') = 'on' THEN 1 ELSE 0 END AS ro, "
              "CASE WHEN current_setting('TimeZone') = 'UTC' THEN 1 ELSE 0 END AS utc "
            : "@@lock_wait_timeout AS lock_s, @@tx_read_only AS ro, "
              "CASE WHEN @@time_zone = '+00:00' THEN 1 ELSE 0 END AS utc ";
  out += std::string("/* ") + kMarker + " */\"\"\"\n";
  for (const char* column : {"lock_s", "ro", "utc"}) {
    out += std::string("[[query.metrics]]\nname = \"topo_guard_") + column +
           "\"\nhelp = \"h\"\nvalue = \"" + column + "\"\n";
  }
  return out;
}

inline bool Has(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

class TopologyTest : public ::testing::Test {
 protected:
  std::unique_ptr<Exporter> MakeExporter(const ClusterEnv& env, int port, const std::string& extra,
                                         const std::string& catalog) {
    std::ostringstream text;
    text << "[scrape]\ntimeout = \"5s\"\nmax_concurrent_queries = 4\n[cluster]\nname = \"shop\"\n"
         << "engine = \"" << (env.engine == Engine::kPostgres ? "postgres" : "mysql") << "\"\n"
         << "database = \"shop\"\nuser = \"exporter\"\npassword_env = \"RSE_IT_PASSWORD\"\n"
         << "tls_mode = \"disable\"\nreplicas = [\"127.0.0.1:" << port << "\"]\n"
         << extra << "[pool]\nconnections_per_replica = 4\n";
    setenv("RSE_IT_PASSWORD", env.password.c_str(), 1);
    auto config = ParseExporterConfig(text.str(), "topology.toml", ".");
    EXPECT_TRUE(config.ok()) << config.status().message();
    auto parsed = ParseQueryCatalog({{"topology.toml", catalog}});
    EXPECT_TRUE(parsed.ok()) << parsed.status().message();
    if (!config.ok() || !parsed.ok()) return nullptr;
    auto exporter = Exporter::Create(*config, *parsed, &logger_, DefaultClock());
    EXPECT_TRUE(exporter.ok()) << exporter.status().message();
    return exporter.ok() ? std::move(*exporter) : nullptr;
  }

  std::ostringstream log_;
  Logger logger_{LogLevel::kInfo, LogFormat::kLogfmt, &log_};
};

}  // namespace rse::testing
