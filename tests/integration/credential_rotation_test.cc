// Credentials that rotate under a running exporter, for both engines: the
// password file and the credential helper are read again for the next session.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>

#include "exposition/text_format.h"
#include "testing/subprocess.h"
#include "topology_fixture.h"

namespace rse::testing {
namespace {

// Credentials that rotate: the role's password changes on the primary (it
// replicates), the mounted secret file and a credential helper follow, our
// sessions are killed; the next scrape is served with the new password,
// without a reload.
class RotationTest : public TopologyTest,
                     public ::testing::WithParamInterface<const ClusterEnv*> {};

TEST_P(RotationTest, ARotatedPasswordFileAndHelperAreReadForTheNextConnection) {
  const ClusterEnv& env = *GetParam();
  const bool pg = env.engine == Engine::kPostgres;
  char dir_template[] = "/tmp/rse_rotationXXXXXX";
  const std::string dir = mkdtemp(dir_template);
  const std::string file = dir + "/password";
  std::ofstream(file) << env.password << "\n";
  const std::string helper = dir + "/helper.sh";
  std::ofstream(helper) << "#!/bin/sh\necho x >> " << dir << "/calls\ncat " << file << "\n";
  chmod(helper.c_str(), 0755);
  auto set_password = [&](const std::string& password) {
    AdminExec(env, env.primary,
              pg ? "ALTER ROLE exporter PASSWORD '" + password + "'"
                 : "ALTER USER 'exporter'@'%' IDENTIFIED BY '" + password + "'");
    WaitReplicasCaughtUp(env);
  };
  struct Restore {
    std::function<void()> undo;
    ~Restore() { undo(); }
  } restore{[&] { set_password(env.password); }};
  auto kill_sessions = [&] {
    for (const HostPort& replica : env.replicas) {
      if (pg) {
        AdminExec(env, replica,
                  "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'exporter'");
      } else {
        for (const auto& row : AdminQuery(env, replica,
                                          "SELECT id FROM information_schema.processlist WHERE "
                                          "user = 'exporter'"))
          AdminExec(env, replica, "KILL " + row[0]);
      }
    }
  };
  const std::string replica = env.replicas[0].ToString();
  for (const std::string& source :
       {"password_file = \"" + file + "\"\n", "password_command = [\"" + helper + "\"]\n"}) {
    SCOPED_TRACE(source);
    std::ofstream(file) << env.password << "\n";
    std::ostringstream text;
    text << "[cluster]\nname = \"shop\"\nengine = \"" << (pg ? "postgres" : "mysql")
         << "\"\ndatabase = \"shop\"\nuser = \"exporter\"\n" << source
         << "tls_mode = \"disable\"\nreplicas = [\"" << replica << "\"]\n";
    auto config = ParseExporterConfig(text.str(), "rotation.toml", ".");
    ASSERT_TRUE(config.ok()) << config.status().message();
    auto catalog = ParseQueryCatalog({{"rotation.toml", Catalog(pg)}});
    ASSERT_TRUE(catalog.ok()) << catalog.status().message();
    auto exporter = Exporter::Create(*config, *catalog, &logger_, DefaultClock());
    ASSERT_TRUE(exporter.ok()) << exporter.status().message();
    ASSERT_TRUE(Has(RenderText((*exporter)->Scrape({})), "replica_sql_up 1"));
    set_password("rotated-" + env.password);
    std::ofstream(file) << "rotated-" << env.password << "\n";
    kill_sessions();
    const std::string after = RenderText((*exporter)->Scrape({}));
    EXPECT_TRUE(Has(after, "replica_sql_up 1")) << after << log_.str();
    set_password(env.password);
    kill_sessions();
  }
  std::system(("rm -rf " + dir).c_str());
}

INSTANTIATE_TEST_SUITE_P(Engines, RotationTest, ::testing::ValuesIn(AllEnvs()),
                         [](const auto& info) { return info.param->name; });

}  // namespace
}  // namespace rse::testing
