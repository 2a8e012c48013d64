// A real Prometheus (Debian's package) on loopback scrapes the built exporter
// every second over TLS with a client certificate and basic auth, as the
// shipped web config allows; the assertions go through Prometheus' HTTP API.
// Stopping one replica must leave up and replica_sql_up at 1.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "db_env.h"
#include "testing/subprocess.h"

namespace rse::testing {
namespace {

constexpr const char* kHash = "$2y$10$EhYP68tEkfpMrr1rL2.TW.5x9E8kVisgSSWTox854Ugu.sv4cjvnO";

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

class PrometheusEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir_template[] = "/tmp/rse_e2eXXXXXX";
    dir_ = mkdtemp(dir_template);
    auto certs = RunCommand(
        {"/bin/bash", std::string(RSE_SOURCE_DIR) + "/tests/scripts/make_web_certs.sh", dir_},
        dir_);
    ASSERT_EQ(certs.exit_code, 0) << certs.output;
    Write("web.yml", std::string("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
                                 "  client_ca_file: ca.crt\n"
                                 "  client_auth_type: RequireAndVerifyClientCert\n"
                                 "basic_auth_users:\n  prometheus: ") +
                         kHash + "\n");
    Write("scrape.password", "s3cret");
    const ClusterEnv& pg = PostgresEnv();
    setenv("RSE_IT_PASSWORD", pg.password.c_str(), 1);
    Write("exporter.toml",
          "[web]\nlisten_address = \"127.0.0.1:0\"\n[cluster]\nname = \"shop\"\n"
          "engine = \"postgres\"\ndatabase = \"shop\"\nuser = \"exporter\"\n"
          "password_env = \"RSE_IT_PASSWORD\"\ntls_mode = \"disable\"\nreplicas = [\"" +
              pg.replicas[0].ToString() + "\", \"" + pg.replicas[1].ToString() +
              "\"]\n[queries]\nfiles = [\"" + RSE_SOURCE_DIR + "/queries/shop/*.toml\"]\n");
    exporter_ = std::make_unique<BackgroundProcess>(
        std::vector<std::string>{RSE_EXPORTER_BINARY, "--config.file=" + dir_ + "/exporter.toml",
                                 "--web.config.file=" + dir_ + "/web.yml"},
        dir_);
    std::string log;
    ASSERT_TRUE(exporter_->WaitForLog("starting replica_sql_exporter", 15000, &log)) << log;
    std::smatch port;
    ASSERT_TRUE(std::regex_search(log, port, std::regex(" port=(\\d+)"))) << log;
    Write("prometheus.yml",
          "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
          "scrape_configs:\n  - job_name: replica_sql_exporter\n    scheme: https\n"
          "    tls_config:\n      ca_file: " + dir_ + "/ca.crt\n      cert_file: " + dir_ +
              "/client.crt\n      key_file: " + dir_ + "/client.key\n"
              "    basic_auth:\n      username: prometheus\n      password_file: " + dir_ +
              "/scrape.password\n    static_configs:\n      - targets: [\"127.0.0.1:" +
              std::string(port[1]) + "\"]\n" +
              // The catalog's hourly group, its own job (here every 2 s).
              "  - job_name: replica_sql_exporter_hourly\n    scrape_interval: 2s\n"
              "    params:\n      group: [hourly]\n    scheme: https\n"
              "    tls_config:\n      ca_file: " + dir_ + "/ca.crt\n      cert_file: " + dir_ +
              "/client.crt\n      key_file: " + dir_ + "/client.key\n"
              "    basic_auth:\n      username: prometheus\n      password_file: " + dir_ +
              "/scrape.password\n    static_configs:\n      - targets: [\"127.0.0.1:" +
              std::string(port[1]) + "\"]\n");
    prometheus_port_ = FreePort();
    prometheus_ = std::make_unique<BackgroundProcess>(
        std::vector<std::string>{"/usr/bin/prometheus", "--config.file=" + dir_ + "/prometheus.yml",
                                 "--storage.tsdb.path=" + dir_ + "/data",
                                 "--web.listen-address=127.0.0.1:" + std::to_string(prometheus_port_)},
        dir_);
    ASSERT_TRUE(prometheus_->WaitForLog("Server is ready to receive web requests", 30000, &log))
        << log;
  }
  void TearDown() override {
    prometheus_.reset();
    exporter_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name) << text;
  }
  // The values of an instant query, one per series, as (labels JSON, value) text.
  std::vector<std::pair<std::string, double>> Query(const std::string& promql) {
    httplib::Client client("127.0.0.1", prometheus_port_);
    auto res = client.Get("/api/v1/query", {{"query", promql}}, httplib::Headers{});
    std::vector<std::pair<std::string, double>> out;
    if (!res || res->status != 200) return out;
    static const std::regex kSample(R"re("metric":(\{[^}]*\}),"value":\[[0-9.]+,"([^"]+)"\])re");
    for (std::sregex_iterator it(res->body.begin(), res->body.end(), kSample), end; it != end;
         ++it) {
      out.emplace_back((*it)[1], std::stod((*it)[2]));
    }
    return out;
  }
  bool Equals(const std::string& promql, double expected) {
    auto result = Query(promql);
    return result.size() == 1 && result[0].second == expected;
  }

  std::string dir_;
  int prometheus_port_ = 0;
  std::unique_ptr<BackgroundProcess> exporter_;
  std::unique_ptr<BackgroundProcess> prometheus_;
};

TEST_F(PrometheusEndToEndTest, ScrapesOverTlsWithAuthAndSurvivesAStoppedReplica) {
  ASSERT_TRUE(Eventually([&] { return Equals("up{job=\"replica_sql_exporter\"}", 1); }))
      << "Prometheus never scraped the exporter over TLS + client cert + basic auth";
  ASSERT_TRUE(Eventually([&] { return Equals("replica_sql_up{job=\"replica_sql_exporter\"}", 1); }));
  // Business series, with their labels, equal to what the database says.
  const ClusterEnv& pg = PostgresEnv();
  auto expected = AdminQuery(pg, pg.primary,
                             "SELECT country, count(*) FROM customers GROUP BY country");
  ASSERT_FALSE(expected.empty());
  ASSERT_TRUE(Eventually([&] { return Query("shop_customers").size() == expected.size(); }));
  for (const auto& row : expected) {
    EXPECT_TRUE(Equals("shop_customers{country=\"" + row[0] + "\"}", std::stod(row[1])))
        << row[0];
  }
  // The hourly group: scraped by its own job, and only by it.
  auto registered = AdminQuery(pg, pg.primary, "SELECT count(*) FROM customers");
  ASSERT_TRUE(Eventually([&] {
    return Equals("shop_customers_registered{job=\"replica_sql_exporter_hourly\"}",
                  std::stod(registered[0][0]));
  }));
  EXPECT_TRUE(Query("shop_customers_registered{job=\"replica_sql_exporter\"}").empty());
  EXPECT_TRUE(Query("shop_customers{job=\"replica_sql_exporter_hourly\"}").empty());
  EXPECT_TRUE(Equals("up{job=\"replica_sql_exporter_hourly\"}", 1));

  StopMember(pg, "replica1");
  struct Restart {  // Whatever fails below, the cluster is restored.
    const ClusterEnv& pg;
    ~Restart() {
      StartMember(pg, "replica1");
      WaitReplicasCaughtUp(pg);
    }
  } restart{pg};
  // Ten scrapes later, none of them missed: both stayed at 1 throughout.
  const auto stopped_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(Eventually([&] {
    return std::chrono::steady_clock::now() - stopped_at > std::chrono::seconds(10) &&
           Equals("replica_sql_replica_up{job=\"replica_sql_exporter\",replica=\"" +
                      pg.replicas[0].ToString() + "\"}",
                  0);
  }));
  EXPECT_TRUE(Equals("min_over_time(up{job=\"replica_sql_exporter\"}[10s])", 1));
  EXPECT_TRUE(Equals("min_over_time(replica_sql_up{job=\"replica_sql_exporter\"}[10s])", 1));
  auto scrapes = Query("count_over_time(up{job=\"replica_sql_exporter\"}[10s])");
  ASSERT_EQ(scrapes.size(), 1u);
  EXPECT_GE(scrapes[0].second, 5) << "scraped every second";
}

}  // namespace
}  // namespace rse::testing
