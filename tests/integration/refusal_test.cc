// Master election, found on a real MariaDB Galera node: the exporter refuses
// the cluster at startup (exit non-zero, with advice) and at runtime.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "db_env.h"
#include "pool/replica_pool.h"
#include "testing/subprocess.h"

namespace rse {
namespace {

using namespace std::chrono_literals;

TEST(RefusalTest, AGaleraMemberRefusesTheClusterInThePool) {
  const testing::ClusterEnv& env = testing::MariadbEnv();
  const HostPort galera = testing::GaleraMember();
  std::unique_ptr<Backend> backend = env.MakeBackend();
  std::ostringstream log;
  Logger logger(LogLevel::kDebug, LogFormat::kLogfmt, &log);
  PoolOptions options;
  options.connect = env.Params(galera);
  ReplicaPool pool({{env.replicas[0].ToString(), env.replicas[0], ""}, {galera.ToString(), galera, ""}},
                   options, backend.get(), DefaultClock(), &logger);
  Status startup = pool.CheckForMasterElection(Deadline::After(*DefaultClock(), 5s));
  ASSERT_FALSE(startup.ok());
  EXPECT_NE(startup.message().find("MariaDB Galera (wsrep_on = ON)"), std::string::npos)
      << startup.message();
  EXPECT_NE(startup.message().find("per instance"), std::string::npos) << startup.message();
  auto lease = pool.AcquireForScrape(Deadline::After(*DefaultClock(), 5s));
  EXPECT_FALSE(lease.ok()) << "not even the healthy replica serves a refused cluster";
  for (const MemberSnapshot& m : pool.Snapshot())
    EXPECT_EQ(m.state, MemberState::kRefused) << m.label;
}

TEST(RefusalTest, TheExporterExitsNonZeroAtStartupAgainstGalera) {
  const testing::ClusterEnv& env = testing::MariadbEnv();
  const std::string config = "/tmp/rse_galera_refusal.toml";
  std::ofstream(config) << "[cluster]\nname = \"galera\"\nengine = \"mysql\"\ndatabase = "
                           "\"shop\"\nuser = \"exporter\"\n"
                        << "password = \"" << env.password << "\"\ntls_mode = \"disable\"\n"
                        << "replicas = [\"" << testing::GaleraMember().ToString() << "\"]\n";
  auto result = testing::RunCommand(
      {RSE_EXPORTER_BINARY, "--config.file=" + config, "--web.listen-address=127.0.0.1:0"}, "/tmp");
  std::remove(config.c_str());
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("cluster refused"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("Galera"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("postgres_exporter or mysqld_exporter"), std::string::npos)
      << result.output;
}

}  // namespace
}  // namespace rse
