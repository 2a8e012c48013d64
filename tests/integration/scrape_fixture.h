// The whole exporter in-process (config → pool → scrape engine) against the
// real clusters of scripts/cluster/start_databases.sh, shared by the scrape and
// fault tests: an exporter over both replicas with a catalog of the test's own.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <future>
#include <iostream>
#include <mutex>
#include <regex>
#include <sstream>
#include <thread>

#include "app/exporter.h"
#include "db_env.h"
#include "exposition/text_format.h"
#include "testing/promtool.h"

namespace rse::testing {

using namespace std::chrono_literals;

class ScrapeTest : public ::testing::TestWithParam<const ClusterEnv*> {
 protected:
  const ClusterEnv& env() const { return *GetParam(); }
  bool pg() const { return env().engine == Engine::kPostgres; }

  void SetUp() override { testing::WaitReplicasCaughtUp(env()); }

  // An exporter over both replicas with `catalog_text` as its only query file
  // (empty: the shipped demo catalog).
  // `scrape_extra`: more [scrape] keys.
  std::unique_ptr<Exporter> MakeExporter(const std::string& catalog_text = "",
                                         std::vector<std::string> replicas = {},
                                         const std::string& scrape_extra = "") {
    if (replicas.empty()) replicas = {env().replicas[0].ToString(), env().replicas[1].ToString()};
    std::ostringstream text;
    text << "[scrape]\ntimeout = \"5s\"\n" << scrape_extra
         << "[cluster]\nname = \"shop\"\nengine = \""
         << (pg() ? "postgres" : "mysql")
         << "\"\ndatabase = \"shop\"\nuser = \"exporter\"\npassword_env = "
            "\"RSE_IT_PASSWORD\"\ntls_mode = \"disable\"\n"
         << "replicas = [\"" << replicas[0] << "\", \"" << replicas[1] << "\"]\n";
    setenv("RSE_IT_PASSWORD", env().password.c_str(), 1);
    auto config = ParseExporterConfig(text.str(), "it.toml", ".");
    EXPECT_TRUE(config.ok()) << config.status().message();
    auto catalog = catalog_text.empty()
                       ? LoadQueryCatalog({std::string(RSE_SOURCE_DIR) + "/queries/shop/*.toml"})
                       : ParseQueryCatalog({{"it_queries.toml", catalog_text}});
    EXPECT_TRUE(catalog.ok()) << catalog.status().message();
    if (!config.ok() || !catalog.ok()) return nullptr;
    auto exporter = Exporter::Create(*config, *catalog, &logger_, DefaultClock());
    EXPECT_TRUE(exporter.ok()) << exporter.status().message();
    return exporter.ok() ? std::move(*exporter) : nullptr;
  }

  std::string SleepQuery(const std::string& name, int seconds,
                         const std::string& extra = "") const {
    return "[[query]]\nname = \"" + name + "\"\nsql = \"" +
           (pg() ? "SELECT 1 AS v FROM pg_sleep(" + std::to_string(seconds) + ")"
                 : "SELECT SLEEP(" + std::to_string(seconds) + ") + 1 AS v") +
           "\"\n" + extra + "[[query.metrics]]\nname = \"" + name +
           "_value\"\nhelp = \"h\"\nvalue = \"v\"\n";
  }

  int RunningSleeps() {
    int total = 0;
    for (const HostPort& replica : env().replicas) {
      auto rows = testing::AdminQuery(env(), replica,
                                      pg() ? "SELECT count(*) FROM pg_stat_activity WHERE usename "
                                             "= 'exporter' AND state = 'active' "
                                             "AND query LIKE '%sleep%'"
                                           : "SELECT count(*) FROM information_schema.processlist "
                                             "WHERE user = 'exporter' AND command = 'Query' "
                                             "AND info LIKE '%SLEEP%'");
      total += rows.empty() ? 100 : std::stoi(rows[0][0]);
    }
    return total;
  }

  std::ostringstream log_;
  Logger logger_{LogLevel::kDebug, LogFormat::kLogfmt, &log_};
};

inline const char* const kCountQuery =
    "[[query]]\nname = \"count\"\nsql = \"SELECT count(*) AS v FROM orders\"\n"
    "[[query.metrics]]\nname = \"count_value\"\nhelp = \"h\"\nvalue = \"v\"\n";

inline double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace rse::testing
