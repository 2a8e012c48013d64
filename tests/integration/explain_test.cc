// --dry-run --explain against the real replicas, both engines: each query's
// plan from the replica that serves it, a full scan of a table over the
// threshold flagged, and (PostgreSQL, which estimates rows returned) a query
// over its max_series by estimate failing the run.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "scrape_fixture.h"
#include "testing/subprocess.h"

namespace rse::testing {
namespace {

class ExplainTest : public ScrapeTest {
 protected:
  void SetUp() override {
    AdminExec(env(), env().primary, "DROP TABLE IF EXISTS rse_explain_rows");
    if (pg()) {
      AdminExec(env(), env().primary,
                "CREATE TABLE rse_explain_rows AS SELECT g AS n FROM generate_series(1, 5000) g");
    } else {
      AdminExec(env(), env().primary, "CREATE TABLE rse_explain_rows (n int) ENGINE=InnoDB");
      AdminExec(env(), env().primary, "INSERT INTO rse_explain_rows SELECT seq FROM seq_1_to_5000");
    }
    AdminExec(env(), env().primary, pg() ? "ANALYZE rse_explain_rows" : "ANALYZE TABLE rse_explain_rows");
    ScrapeTest::SetUp();
    dir_ = MakeDir();
    setenv("RSE_IT_PASSWORD", env().password.c_str(), 1);
    std::ofstream(dir_ + "/exporter.toml")
        << "[scrape]\ntimeout = \"5s\"\n[cluster]\nname = \"shop\"\nengine = \""
        << (pg() ? "postgres" : "mysql")
        << "\"\ndatabase = \"shop\"\nuser = \"exporter\"\npassword_env = \"RSE_IT_PASSWORD\"\n"
           "tls_mode = \"disable\"\nreplicas = [\""
        << env().replicas[0].ToString() << "\", \"" << env().replicas[1].ToString()
        << "\"]\n[queries]\nfiles = [\"q.toml\"]\n";
  }
  void TearDown() override {
    AdminExec(env(), env().primary, "DROP TABLE IF EXISTS rse_explain_rows");
    std::filesystem::remove_all(dir_);
  }
  static std::string MakeDir() {
    char dir_template[] = "/tmp/rse_explainXXXXXX";
    return mkdtemp(dir_template);
  }
  CommandResult Explain(const std::string& catalog, const std::string& threshold) {
    std::ofstream(dir_ + "/q.toml") << catalog;
    return RunCommand({RSE_EXPORTER_BINARY, "--dry-run", "--explain",
                       "--explain.seq-scan-rows=" + threshold, "--config.file=" + dir_ + "/exporter.toml"},
                      dir_);
  }
  static std::string Query(const std::string& name, const std::string& sql,
                           const std::string& extra = "") {
    return "[[query]]\nname = \"" + name + "\"\nsql = \"" + sql + "\"\n" + extra +
           "[[query.metrics]]\nname = \"it_" + name + "\"\nhelp = \"h\"\nvalue = \"v\"\n";
  }
  std::string dir_;
};

TEST_P(ExplainTest, PlansComeFromTheServingReplicaAndBigFullScansAreFlagged) {
  auto run = Explain(Query("small", "SELECT 42 AS v") +
                         Query("scan", "SELECT count(*) AS v FROM rse_explain_rows WHERE n > 10"),
                     "1000");
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("plans from replica 127.0.0.1:"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("query scan ("), std::string::npos) << run.output;
  const std::string table = pg() ? "public.rse_explain_rows" : "rse_explain_rows";
  EXPECT_NE(run.output.find("WARNING: full scan of " + table + ", a table of ~"), std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("(over --explain.seq-scan-rows=1000)"), std::string::npos) << run.output;
  if (pg()) {
    EXPECT_NE(run.output.find("Seq Scan on public.rse_explain_rows"), std::string::npos) << run.output;
    EXPECT_NE(run.output.find("estimated rows: 1 of max_series 10000: ok"), std::string::npos)
        << run.output;
  } else {
    EXPECT_NE(run.output.find("table rse_explain_rows: access ALL"), std::string::npos) << run.output;
    EXPECT_NE(run.output.find("not estimated (MySQL/MariaDB"), std::string::npos) << run.output;
  }
  EXPECT_NE(run.output.find("2 of 2 queries within max_series by estimate"), std::string::npos)
      << run.output;
  // Over the table's size, the same scan is not flagged.
  auto quiet = Explain(Query("scan", "SELECT count(*) AS v FROM rse_explain_rows WHERE n > 10"),
                       "1000000");
  EXPECT_EQ(quiet.exit_code, 0) << quiet.output;
  EXPECT_EQ(quiet.output.find("WARNING: full scan"), std::string::npos) << quiet.output;
  EXPECT_NE(quiet.output.find("full scan of " + table + " (~"), std::string::npos) << quiet.output;
}

// PostgreSQL estimates the rows a plan returns: a query whose estimate is over
// its max_series fails --explain before it fails a scrape. Here only the
// estimate is over (an expression's range filter is guessed at a third of the
// table; 10 rows come back), so the dry run itself succeeds. MariaDB estimates
// rows read, not returned: it says so and passes.
TEST_P(ExplainTest, AQueryOverItsMaxSeriesByEstimateFailsTheRun) {
  auto run = Explain("[[query]]\nname = \"wide\"\nsql = \"SELECT n AS id, 1 AS v FROM "
                     "rse_explain_rows WHERE n + 0 > 4990\"\nmax_series = 100\n"
                     "[[query.metrics]]\nname = \"it_wide\"\nhelp = \"h\"\nlabels = [\"id\"]\n"
                     "value = \"v\"\n",
                     "100000");
  EXPECT_NE(run.output.find("1 of 1 queries succeeded"), std::string::npos) << run.output;
  if (pg()) {
    EXPECT_EQ(run.exit_code, 1) << run.output;
    EXPECT_NE(run.output.find("of max_series 100: EXCEEDS max_series"), std::string::npos)
        << run.output;
    EXPECT_NE(run.output.find("0 of 1 queries within max_series by estimate"), std::string::npos)
        << run.output;
  } else {
    EXPECT_EQ(run.exit_code, 0) << run.output;
    EXPECT_NE(run.output.find("not estimated (MySQL/MariaDB"), std::string::npos) << run.output;
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, ExplainTest, ::testing::ValuesIn(testing::AllEnvs()),
                         [](const auto& info) { return info.param->name; });

}  // namespace
}  // namespace rse::testing
