// The bad-input corpus (tests/testdata/{config,queries,web}/bad), run through
// the built binary: every file gets exit code 1 (never a signal), an error
// naming the file (and, for config and query files, its line), and
// --config.check and a real start print the same error.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "testing/bad_file_cases.h"
#include "testing/subprocess.h"

namespace rse {
namespace {

using testing::BadFileCase;
using testing::LoadBadFileCases;
using testing::RunCommand;
using testing::TestdataDir;

const bool kPasswordSet = setenv("SHOP_EXPORTER_PASSWORD", "exporter-demo-pw", 1) == 0;

class BadInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(kPasswordSet);
    char path[] = "/tmp/rse_badinputXXXXXX";
    dir_ = mkdtemp(path);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // A config over the demo replicas whose catalog is `query_file`.
  std::string ConfigFor(const std::string& query_file) {
    const std::string path = dir_ + "/exporter.toml";
    std::ofstream(path) << "[cluster]\nname = \"shop\"\nengine = \"postgres\"\ndatabase = \"shop\"\n"
                           "user = \"exporter\"\npassword_env = \"SHOP_EXPORTER_PASSWORD\"\n"
                           "replicas = [\"127.0.0.1:55433\"]\nconnect_timeout = \"1s\"\n"
                           "[queries]\nfiles = [\""
                        << query_file << "\"]\n";
    return path;
  }

  // Runs --config.check and a start with `flags`; both must refuse alike.
  void ExpectRefusedAlike(const BadFileCase& c, std::vector<std::string> flags) {
    SCOPED_TRACE(c.path);
    flags.insert(flags.begin(), RSE_EXPORTER_BINARY);
    std::vector<std::string> check = flags;
    check.push_back("--config.check");
    auto checked = RunCommand(check, dir_);
    EXPECT_EQ(checked.exit_code, 1) << checked.output;  // 128+N would be a signal.
    EXPECT_NE(checked.output.find(c.expected), std::string::npos)
        << "expected: " << c.expected << "\n     got: " << checked.output;
    EXPECT_NE(checked.output.find(std::filesystem::path(c.path).filename().string()),
              std::string::npos)
        << "the error names the file: " << checked.output;
    flags.push_back("--web.listen-address=127.0.0.1:0");
    auto started = RunCommand(flags, dir_, 20'000);
    EXPECT_EQ(started.exit_code, 1) << started.output;
    EXPECT_EQ(started.output, checked.output) << "a start refuses with the same words";
    ++cases_;
  }

  std::string dir_;
  int cases_ = 0;
};

TEST_F(BadInputTest, EveryBadFileIsRefusedAlikeByCheckAndStart) {
  for (const BadFileCase& c : LoadBadFileCases(TestdataDir() + "/config/bad")) {
    ExpectRefusedAlike(c, {"--config.file=" + c.path});
  }
  for (const BadFileCase& c : LoadBadFileCases(TestdataDir() + "/queries/bad")) {
    ExpectRefusedAlike(c, {"--config.file=" + ConfigFor(c.path)});
  }
  const std::string good_catalog = std::string(RSE_SOURCE_DIR) + "/queries/shop/*.toml";
  for (const BadFileCase& c : LoadBadFileCases(TestdataDir() + "/web/bad", ".yml")) {
    ExpectRefusedAlike(c, {"--config.file=" + ConfigFor(good_catalog), "--web.config.file=" + c.path});
  }
  EXPECT_GE(cases_, 100) << "the corpus must not shrink unnoticed";
  std::cout << "[ figures ] bad-input corpus: " << cases_ << " files, each refused alike by "
            << "--config.check and a start\n";
}

}  // namespace
}  // namespace rse
