// /status and /status.json of the built binary against the real clusters,
// both engines, with one replica stopped and one query failing on an error
// message that carries markup: the JSON passes its published schema, and
// Debian's Chromium, headless, renders the page with the down member, the
// failed query and the markup shown as text (never run). A screenshot of
// each engine's page is left in the test's working directory.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "scrape_fixture.h"
#include "testing/json_schema.h"
#include "testing/subprocess.h"

namespace rse::testing {
namespace {

class StatusPageTest : public ScrapeTest {};

// Headless Chromium as this machine allows it (root, no network, no GPU).
std::vector<std::string> Chromium(const std::string& profile) {
  return {"/usr/bin/chromium",           "--headless",      "--no-sandbox",
          "--disable-gpu",      "--disable-quic",  "--no-first-run",
          "--disable-sync",     "--disable-background-networking",
          "--disable-component-update", "--user-data-dir=" + profile};
}

TEST_P(StatusPageTest, ABrowserShowsTheDownReplicaAndTheFailedQueryWithItsMarkupAsText) {
  char dir_template[] = "/tmp/rse_statusXXXXXX";
  const std::string dir = mkdtemp(dir_template);
  setenv("RSE_IT_PASSWORD", env().password.c_str(), 1);
  const std::string markup = "<script>alert(\"x\")</script>";
  // The error names the missing table, markup and quotes included (PostgreSQL
  // doubles a quote inside a quoted name).
  const std::string missing = pg() ? "SELECT 1 AS v FROM \"<script>alert(\"\"x\"\")</script>\""
                                   : "SELECT 1 AS v FROM `" + markup + "`";
  std::ofstream(dir + "/exporter.toml")
      << "[web]\nlisten_address = \"127.0.0.1:0\"\n[scrape]\ntimeout = \"5s\"\n[cluster]\n"
      << "name = \"shop\"\nengine = \"" << (pg() ? "postgres" : "mysql")
      << "\"\ndatabase = \"shop\"\nuser = \"exporter\"\npassword_env = \"RSE_IT_PASSWORD\"\n"
      << "tls_mode = \"disable\"\nreplicas = [\"" << env().replicas[0].ToString() << "\", \""
      << env().replicas[1].ToString() << "\"]\n[queries]\nfiles = [\"q.toml\"]\n";
  std::ofstream(dir + "/q.toml")
      << "[[query]]\nname = \"works\"\nsql = 'SELECT 3 AS v'\n"
      << "[[query.metrics]]\nname = \"it_works\"\nhelp = \"h\"\nvalue = \"v\"\n"
      << "static_labels = { team = '" << markup << "' }\n"
      << "[[query]]\nname = \"broken\"\nsql = '''" << missing << "'''\n"
      << "[[query.metrics]]\nname = \"it_broken\"\nhelp = \"h\"\nvalue = \"v\"\n"
      << "[[query]]\nname = \"tenants\"\nsql = 'SELECT count(*) AS v FROM accounts'\n"
      << "databases = [\"tenant_1\", \"rse_no_such_db\"]\n"
      << "[[query.metrics]]\nname = \"it_tenants\"\nhelp = \"h\"\nvalue = \"v\"\n";

  StopMember(env(), "replica2");
  struct Restart {  // Whatever fails below, the cluster is restored.
    const ClusterEnv& env;
    ~Restart() {
      StartMember(env, "replica2");
      WaitReplicasCaughtUp(env);
    }
  } restart{env()};

  BackgroundProcess exporter({RSE_EXPORTER_BINARY, "--config.file=" + dir + "/exporter.toml"}, dir);
  std::string log;
  ASSERT_TRUE(exporter.WaitForLog("starting replica_sql_exporter", 15000, &log)) << log;
  std::smatch port_match;
  ASSERT_TRUE(std::regex_search(log, port_match, std::regex(" port=(\\d+)"))) << log;
  const std::string base = "http://127.0.0.1:" + std::string(port_match[1]);
  httplib::Client client("127.0.0.1", std::stoi(port_match[1]));
  client.set_read_timeout(15, 0);
  // Round-robin: within two scrapes one turns to the stopped replica.
  for (int i = 0; i < 3; ++i) {
    auto scraped = client.Get("/metrics");
    ASSERT_TRUE(scraped);
    EXPECT_NE(scraped->body.find("\nreplica_sql_up 1\n"), std::string::npos) << scraped->body;
  }

  auto json = client.Get("/status.json");
  ASSERT_TRUE(json);
  ASSERT_EQ(json->status, 200);
  auto valid = ValidateJsonSchema(json->body, std::string(RSE_SOURCE_DIR) + "/docs/status.schema.json");
  EXPECT_EQ(valid.exit_code, 0) << valid.output << "\n" << json->body;
  const auto status = nlohmann::json::parse(json->body);
  ASSERT_EQ(status["replicas"].size(), 2u);
  EXPECT_EQ(status["replicas"][0]["state"], "healthy");
  EXPECT_EQ(status["replicas"][0]["role"], "replica");
  EXPECT_EQ(status["replicas"][1]["state"], "down") << json->body;
  EXPECT_NE(status["replicas"][1]["last_error"], nullptr);
  EXPECT_EQ(status["queries"][0]["success"], true);
  EXPECT_EQ(status["queries"][0]["last_run"]["replica"], env().replicas[0].ToString());
  EXPECT_EQ(status["queries"][1]["success"], false);
  const auto& tenants = status["queries"][2]["last_run"]["databases"];
  ASSERT_EQ(tenants.size(), 2u) << json->body;
  EXPECT_EQ(tenants[0]["database"], "rse_no_such_db");
  EXPECT_EQ(tenants[0]["successful"], false);
  EXPECT_EQ(tenants[1]["successful"], true);
  const std::string message = status["queries"][1]["last_error"]["message"];
  EXPECT_NE(message.find(markup), std::string::npos) << message;

  const std::string profile = dir + "/chromium";
  std::vector<std::string> dump = Chromium(profile);
  dump.push_back("--dump-dom");
  dump.push_back(base + "/status");
  auto dom = RunCommand(dump, dir, 60'000);
  ASSERT_EQ(dom.exit_code, 0) << dom.output;
  // The rendered document: the down member and the failed query are there...
  EXPECT_NE(dom.output.find("data-state=\"down\""), std::string::npos) << dom.output;
  EXPECT_NE(dom.output.find("data-success=\"failed\""), std::string::npos) << dom.output;
  EXPECT_NE(dom.output.find("1 of 2 in the rotation."), std::string::npos) << dom.output;
  EXPECT_NE(dom.output.find("1 of 2 databases succeeded"), std::string::npos) << dom.output;
  EXPECT_NE(dom.output.find(env().replicas[1].ToString()), std::string::npos);
  // ...and the markup is text in it: serialised escaped, never an element.
  EXPECT_EQ(dom.output.find("<script"), std::string::npos) << dom.output;
  EXPECT_NE(dom.output.find("&lt;script&gt;alert(\"x\")&lt;/script&gt;"), std::string::npos)
      << dom.output;

  const std::string shot =
      std::filesystem::current_path().string() + "/status-page-" + env().name + ".png";
  std::vector<std::string> screenshot = Chromium(profile);
  screenshot.push_back("--screenshot=" + shot);
  screenshot.push_back("--window-size=1400,900");
  screenshot.push_back(base + "/status");
  auto shot_run = RunCommand(screenshot, dir, 60'000);
  EXPECT_EQ(shot_run.exit_code, 0) << shot_run.output;
  ASSERT_TRUE(std::filesystem::exists(shot)) << shot_run.output;
  EXPECT_GT(std::filesystem::file_size(shot), 10'000u) << "a page, not a blank";
  std::cout << "[ figures ] " << env().name << " status page screenshot: " << shot << "\n";

  EXPECT_EQ(exporter.StopWith(SIGTERM, 10000), 0);
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Engines, StatusPageTest, ::testing::ValuesIn(testing::AllEnvs()),
                         [](const auto& info) { return info.param->name; });

}  // namespace
}  // namespace rse::testing
