// The built binary's reload as the operator sees it, without a database:
// /status with the configuration generation and a failed reload's errors, a
// reload that is all or nothing, and [query.settings] checked against the
// cluster's engine at load.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <stdlib.h>

#include <nlohmann/json.hpp>

#include "exporter_workspace.h"
#include "testing/json_schema.h"

namespace rse {
namespace {

using testing::ExporterWorkspace;

const bool kPasswordSet = setenv("SHOP_EXPORTER_PASSWORD", "exporter-demo-pw", 1) == 0;

// --config.check on the workspace's config, as an operator runs it.
testing::CommandResult ConfigCheck(const ExporterWorkspace& ws) {
  return testing::RunCommand(
      {RSE_EXPORTER_BINARY, "--config.check", "--config.file=" + ws.Path("exporter.toml")}, ws.dir());
}

// /status.json against its published schema.
void ExpectValidStatus(const std::string& body) {
  auto valid =
      testing::ValidateJsonSchema(body, std::string(RSE_SOURCE_DIR) + "/docs/status.schema.json");
  EXPECT_EQ(valid.exit_code, 0) << valid.output << "\n" << body;
}

TEST(OperationsTest, StatusShowsTheConfigGenerationAndWhatAFailedReloadSaid) {
  ASSERT_TRUE(kPasswordSet);
  ExporterWorkspace ws;
  ws.WriteConfig();
  ws.WriteQueries({"first"});
  std::string log;
  ASSERT_TRUE(ws.Start({"--web.enable-lifecycle"}, &log)) << log;
  httplib::Client client("127.0.0.1", ws.port());
  client.set_read_timeout(20, 0);
  auto status = [&] {
    auto res = client.Get("/status.json");
    EXPECT_TRUE(res && res->status == 200);
    if (!res) return nlohmann::json();
    ExpectValidStatus(res->body);
    return nlohmann::json::parse(res->body);
  };
  auto at_start = status();
  EXPECT_EQ(at_start["config"]["generation"], 1);
  EXPECT_EQ(at_start["config"]["last_reload"], nullptr);
  EXPECT_EQ(at_start["queries"][0]["name"], "first");
  EXPECT_EQ(at_start["queries"][0]["success"], nullptr) << "not scraped yet";
  EXPECT_EQ(at_start["replicas"].size(), 2u);

  ws.WriteQueries({"first", "second"});
  ASSERT_EQ(client.Post("/-/reload", "", "text/plain")->status, 200);
  auto reloaded = status();
  EXPECT_EQ(reloaded["config"]["generation"], 2);
  EXPECT_EQ(reloaded["config"]["last_reload"]["successful"], true);
  EXPECT_EQ(reloaded["config"]["last_reload"]["trigger"], "POST /-/reload");
  EXPECT_EQ(reloaded["queries"].size(), 2u);

  ws.Write("queries/shop.toml", "[[query]]\nname = \"broken\"\n");
  ASSERT_EQ(client.Post("/-/reload", "", "text/plain")->status, 500);
  auto failed = status();
  EXPECT_EQ(failed["config"]["generation"], 2) << "the running generation stays";
  EXPECT_EQ(failed["config"]["last_reload"]["successful"], false);
  const std::string error = failed["config"]["last_reload"]["error"];
  EXPECT_NE(error.find("queries/shop.toml:1: query 'broken'"), std::string::npos) << error;
  auto page = client.Get("/status");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(page->body.find("failed; the running configuration stays"), std::string::npos);
  EXPECT_NE(page->body.find("queries/shop.toml:1: query &#39;broken&#39;"), std::string::npos)
      << page->body;
  EXPECT_EQ(ws.process().StopWith(SIGTERM, 10000), 0);
}


// A reload is all or nothing: a web config that cannot take over (here a
// switch to HTTPS, which needs a restart) leaves the new queries out too; the
// same queries with a web config that can take over apply together with it.
TEST(OperationsTest, AReloadWhoseWebConfigCannotApplyChangesNothing) {
  ASSERT_TRUE(kPasswordSet);
  ExporterWorkspace ws;
  ws.MakeCertificates();
  ws.WriteConfig();
  ws.WriteQueries({"first"});
  ws.Write("web.yml", "http_server_config:\n  headers:\n    X-Test: one\n");
  std::string log;
  ASSERT_TRUE(ws.Start({"--web.enable-lifecycle", "--web.config.file=" + ws.Path("web.yml")}, &log))
      << log;
  httplib::Client client("127.0.0.1", ws.port());
  client.set_read_timeout(20, 0);

  ws.WriteQueries({"first", "second"});
  ws.Write("web.yml", "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
                      "http_server_config:\n  headers:\n    X-Test: two\n");
  auto refused = client.Post("/-/reload", "", "text/plain");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 500);
  EXPECT_NE(refused->body.find("needs a restart"), std::string::npos) << refused->body;
  auto kept = client.Get("/metrics");
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->body.find("query=\"second\""), std::string::npos) << "no new query without its web config";
  EXPECT_EQ(kept->get_header_value("X-Test"), "one");
  auto status = client.Get("/status.json");
  ASSERT_TRUE(status);
  EXPECT_EQ(nlohmann::json::parse(status->body)["config"]["generation"], 1);

  ws.Write("web.yml", "http_server_config:\n  headers:\n    X-Test: two\n");
  auto applied = client.Post("/-/reload", "", "text/plain");
  ASSERT_TRUE(applied);
  EXPECT_EQ(applied->status, 200) << applied->body;
  auto both = client.Get("/metrics");
  ASSERT_TRUE(both);
  EXPECT_NE(both->body.find("query=\"second\""), std::string::npos);
  EXPECT_EQ(both->get_header_value("X-Test"), "two");
  EXPECT_EQ(ws.process().StopWith(SIGTERM, 10000), 0);
}


// [query.settings] names are checked against the cluster's engine before start.
TEST(OperationsTest, ASettingOfTheOtherEngineIsRefusedAtLoadWithItsLine) {
  ExporterWorkspace ws;
  ws.WriteConfig();  // PostgreSQL.
  ws.Write("queries/shop.toml",
           "[[query]]\nname = \"tuned\"\nsql = \"SELECT 1 AS v\"\n  [query.settings]\n"
           "  join_buffer_size = 262144\n  [[query.metrics]]\n  name = \"m\"\n  help = \"h\"\n"
           "  value = \"v\"\n");
  auto check = ConfigCheck(ws);
  EXPECT_EQ(check.exit_code, 1) << check.output;
  EXPECT_NE(check.output.find("shop.toml:1: query 'tuned': settings.join_buffer_size: a MariaDB "
                              "setting, and this cluster's engine is postgres (its settings: "),
            std::string::npos)
      << check.output;
  ws.Write("queries/shop.toml",
           "[[query]]\nname = \"tuned\"\nsql = \"SELECT 1 AS v\"\n  [query.settings]\n"
           "  work_mem = \"64MB\"\n  jit = false\n  random_page_cost = 1.1\n"
           "  [[query.metrics]]\n  name = \"m\"\n  help = \"h\"\n  value = \"v\"\n");
  auto ok = ConfigCheck(ws);
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
}

// A snapshot needs a transaction across statements: refused before start
// behind PgBouncer's statement pooling, accepted behind transaction pooling.
TEST(OperationsTest, ASnapshotBehindStatementPoolingIsRefusedAtLoadWithItsLine) {
  ExporterWorkspace ws;
  ws.WriteConfig("pooler = \"pgbouncer-statement\"\n");
  const std::string query = "  [[query.metrics]]\n  name = \"m_{}\"\n  help = \"h\"\n  value = \"v\"\n";
  auto named = [&](const std::string& name) {
    std::string metrics = query;
    metrics.replace(metrics.find("{}"), 2, name);
    return "[[query]]\nname = \"" + name + "\"\nsql = \"SELECT 1 AS v\"\nsnapshot = \"totals\"\n" +
           metrics;
  };
  ws.Write("queries/shop.toml", named("total") + named("by_status"));
  auto check = ConfigCheck(ws);
  EXPECT_EQ(check.exit_code, 1) << check.output;
  EXPECT_NE(check.output.find("shop.toml:1: query 'total': snapshot: snapshot 'totals' needs one "
                              "transaction across its queries, and [cluster] pooler = "
                              "\"pgbouncer-statement\""),
            std::string::npos)
      << check.output;
  ws.WriteConfig("pooler = \"pgbouncer-transaction\"\n");
  auto ok = ConfigCheck(ws);
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
}

}  // namespace
}  // namespace rse
