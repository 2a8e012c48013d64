// Database passwords (inline, file, environment) never appear in the log at
// debug level, in error messages, or on /, /metrics and /config, through
// connection failures, wrong passwords and TLS errors.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include "exporter_workspace.h"

namespace rse {
namespace {

using testing::ExporterWorkspace;

constexpr const char* kSecret = "Leak-Canary-7f3e9";

struct LeakCase {
  const char* name;
  std::string cluster_extra;
};

TEST(SecretLeakTest, NoPasswordInLogsPagesOrErrors) {
  setenv("RSE_LEAK_CANARY", kSecret, 1);
  ExporterWorkspace ws;
  ws.Write("db-password", std::string(kSecret) + "\n");
  ws.MakeCertificates();
  const LeakCase cases[] = {
      {"inline, wrong for the server", std::string("password = \"") + kSecret + "\"\n"},
      {"environment", "password_env = \"RSE_LEAK_CANARY\"\n"},
      {"file", "password_file = \"db-password\"\n"},
      {"TLS verification failing", std::string("password = \"") + kSecret +
                                       "\"\ntls_mode = \"verify-full\"\ntls_ca_file = \"ca.crt\"\n"},
      {"nothing listening", std::string("password = \"") + kSecret + "\"\n"},
  };
  for (const LeakCase& c : cases) {
    SCOPED_TRACE(c.name);
    std::string extra = c.cluster_extra;
    ws.WriteConfig(extra);
    if (std::string(c.name) == "nothing listening") {
      ws.Write("exporter.toml",
               "[web]\nlisten_address = \"127.0.0.1:0\"\n[cluster]\nname = \"shop\"\n"
               "engine = \"mysql\"\ndatabase = \"shop\"\nuser = \"exporter\"\n"
               "replicas = [\"127.0.0.1:1\", \"127.0.0.1:2\"]\nconnect_timeout = \"1s\"\n" +
                   extra + "[queries]\nfiles = [\"queries/*.toml\"]\n");
    }
    ws.WriteQueries({"one"});
    std::string log;
    ASSERT_TRUE(ws.Start({"--log.level=debug"}, &log)) << log;
    httplib::Client client("127.0.0.1", ws.port());
    client.set_read_timeout(20, 0);
    for (const char* path : {"/", "/metrics", "/config", "/metrics"}) {
      auto res = client.Get(path);
      ASSERT_TRUE(res) << path;
      EXPECT_EQ(res->body.find(kSecret), std::string::npos) << path << "\n" << res->body;
    }
    auto check = testing::RunCommand({RSE_EXPORTER_BINARY, "--config.check",
                                      "--config.file=" + ws.Path("exporter.toml")},
                                     ws.dir());
    EXPECT_EQ(check.output.find(kSecret), std::string::npos) << check.output;
    EXPECT_EQ(ws.process().StopWith(SIGTERM, 10000), 0);
    ASSERT_TRUE(ws.WaitForLog("stopped", 1000, &log));
    EXPECT_EQ(log.find(kSecret), std::string::npos) << log;
    EXPECT_NE(log.find("level=debug"), std::string::npos) << "debug lines were written";
    EXPECT_NE(log.find(" err="), std::string::npos) << "the failure was logged:\n" << log;
  }
}

}  // namespace
}  // namespace rse
