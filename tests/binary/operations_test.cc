// The operator's side of the built binary without a database: reload by
// POST /-/reload, /config with secrets masked, the process_* metrics, the
// telemetry path, and --config.check refusing exactly what a start refuses
// (/status and reload atomicity: reload_status_test.cc).
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/stat.h>


#include "exporter_workspace.h"
#include "testing/promtool.h"

namespace rse {
namespace {

using testing::ExporterWorkspace;
using testing::RunCommand;

const bool kPasswordSet = setenv("SHOP_EXPORTER_PASSWORD", "exporter-demo-pw", 1) == 0;

TEST(OperationsTest, PostReloadSwapsTheCatalogAndABrokenFileAnswers500WithItsErrors) {
  ASSERT_TRUE(kPasswordSet);
  ExporterWorkspace ws;
  ws.WriteConfig();
  ws.WriteQueries({"first"});
  std::string log;
  ASSERT_TRUE(ws.Start({"--web.enable-lifecycle"}, &log)) << log;
  httplib::Client client("127.0.0.1", ws.port());
  client.set_read_timeout(20, 0);
  auto before = client.Get("/metrics");
  ASSERT_TRUE(before);
  EXPECT_NE(before->body.find("replica_sql_query_success{query=\"first\"}"), std::string::npos);

  ws.WriteQueries({"first", "second"});
  auto reloaded = client.Post("/-/reload", "", "text/plain");
  ASSERT_TRUE(reloaded);
  EXPECT_EQ(reloaded->status, 200) << reloaded->body;
  auto after = client.Get("/metrics");
  ASSERT_TRUE(after);
  EXPECT_NE(after->body.find("replica_sql_query_success{query=\"second\"}"), std::string::npos);
  EXPECT_NE(after->body.find("replica_sql_config_last_reload_successful 1"), std::string::npos);

  // A query file that no longer loads: the answer names it and the config
  // line that includes it; the running catalog stays.
  ws.Write("queries/shop.toml", "[[query]]\nname = \"broken\"\n");
  auto failed = client.Post("/-/reload", "", "text/plain");
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->status, 500);
  EXPECT_NE(failed->body.find("queries/shop.toml:1: query 'broken'"), std::string::npos)
      << failed->body;
  EXPECT_NE(failed->body.find("exporter.toml:"), std::string::npos) << failed->body;
  ASSERT_TRUE(ws.WaitForLog("reload failed", 5000, &log));
  auto kept = client.Get("/metrics");
  ASSERT_TRUE(kept);
  EXPECT_NE(kept->body.find("replica_sql_query_success{query=\"second\"}"), std::string::npos);
  EXPECT_NE(kept->body.find("replica_sql_config_last_reload_successful 0"), std::string::npos);
  EXPECT_EQ(ws.process().StopWith(SIGTERM, 10000), 0);
}

TEST(OperationsTest, ConfigPageShowsDefaultsAndMasksSecrets) {
  ExporterWorkspace ws;
  ws.WriteConfig("password = \"hunter2-inline\"\n");
  ws.WriteQueries({"first"});
  ws.Write("web.yml", std::string("basic_auth_users:\n  alice: ") + testing::kTestPasswordHash + "\n");
  std::string log;
  ASSERT_TRUE(ws.Start({"--web.config.file=" + ws.Path("web.yml")}, &log)) << log;
  httplib::Client client("127.0.0.1", ws.port());
  client.set_basic_auth("alice", "s3cret");
  auto res = client.Get("/config");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  for (const char* expected : {"max_replication_lag = '30s'", "probe_timeout = '1s'",
                               "password = '<secret>'", "alice = '<secret>'", "name = 'first'",
                               "rise = 2"}) {
    EXPECT_NE(res->body.find(expected), std::string::npos) << expected << "\n" << res->body;
  }
  EXPECT_EQ(res->body.find("hunter2-inline"), std::string::npos) << res->body;
  EXPECT_EQ(res->body.find(testing::kTestPasswordHash), std::string::npos) << res->body;
  EXPECT_EQ(log.find("hunter2-inline"), std::string::npos) << log;
}

TEST(OperationsTest, ProcessMetricsAtTheTelemetryPathPassPromtool) {
  ASSERT_TRUE(kPasswordSet);
  ExporterWorkspace ws;
  ws.WriteConfig();
  ws.WriteQueries({"first"});
  std::string log;
  ASSERT_TRUE(ws.Start({"--web.telemetry-path=/probe/metrics"}, &log)) << log;
  httplib::Client client("127.0.0.1", ws.port());
  client.set_read_timeout(20, 0);
  EXPECT_EQ(client.Get("/metrics")->status, 404);
  auto res = client.Get("/probe/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  for (const char* name :
       {"process_cpu_seconds_total ", "process_resident_memory_bytes ",
        "process_virtual_memory_bytes ", "process_open_fds ", "process_max_fds ",
        "process_start_time_seconds ", "replica_sql_exporter_build_info{"}) {
    EXPECT_NE(res->body.find(std::string("\n") + name), std::string::npos) << name;
  }
  auto lint = testing::RunPromtoolCheckMetrics(res->body);
  EXPECT_EQ(lint.exit_code, 0) << lint.output;
}

// Each case: a config that a start refuses without a database; --config.check
// must refuse it with the same message.
struct RefusedCase {
  const char* name;
  const char* cluster_extra;
  const char* web_yml;  // nullptr: no --web.config.file
  const char* expected;
};

TEST(OperationsTest, ConfigCheckAndAStartRefuseTheSameConfigs) {
  ExporterWorkspace ws;
  ws.WriteQueries({"first"});
  ws.MakeCertificates();
  ws.Write("empty_password", "\n");
  const RefusedCase cases[] = {
      {"master election", "failover = \"automatic\"\n", nullptr, "declares master election"},
      {"unset variable", "password_env = \"RSE_TEST_NEVER_SET\"\n", nullptr,
       "environment variable RSE_TEST_NEVER_SET is not set"},
      {"missing file", "password_file = \"no_such_file\"\n", nullptr, "password_file: "},
      {"empty file", "password_file = \"empty_password\"\n", nullptr, "is empty"},
      {"web config missing", "", "", "web.yml"},
      {"key of another certificate", "",
       "tls_server_config:\n  cert_file: server.crt\n  key_file: client.key\n",
       "does not match the certificate"},
      {"not a certificate", "",
       "tls_server_config:\n  cert_file: empty_password\n  key_file: server.key\n",
       "cannot load"},
      {"ca file missing", "",
       "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
       "  client_ca_file: nope.crt\n  client_auth_type: RequireAndVerifyClientCert\n",
       "client_ca_file: cannot read"},
  };
  for (const RefusedCase& c : cases) {
    SCOPED_TRACE(c.name);
    ws.WriteConfig(c.cluster_extra);
    std::vector<std::string> flags = {RSE_EXPORTER_BINARY,
                                      "--config.file=" + ws.Path("exporter.toml")};
    std::remove(ws.Path("web.yml").c_str());
    if (c.web_yml != nullptr) {
      if (*c.web_yml) ws.Write("web.yml", c.web_yml);
      flags.push_back("--web.config.file=" + ws.Path("web.yml"));
    }
    std::vector<std::string> check = flags;
    check.push_back("--config.check");
    auto checked = RunCommand(check, ws.dir());
    EXPECT_EQ(checked.exit_code, 1) << checked.output;
    EXPECT_NE(checked.output.find(c.expected), std::string::npos) << checked.output;
    flags.push_back("--web.listen-address=127.0.0.1:0");
    auto started = RunCommand(flags, ws.dir(), 20'000);
    EXPECT_EQ(started.exit_code, 1) << started.output;
    EXPECT_NE(started.output.find(c.expected), std::string::npos) << started.output;
  }
}

}  // namespace
}  // namespace rse
