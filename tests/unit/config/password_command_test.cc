#include "config/password_command.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace rse {
namespace {

// A helper script in a temporary directory that counts its calls in a file
// and prints a password made of the target it was called for.
class PasswordCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir_template[] = "/tmp/rse_pwcmdXXXXXX";
    dir_ = mkdtemp(dir_template);
    Script("helper.sh",
           "echo x >> \"" + dir_ + "/calls\"\n"
           "printf 'pw-%s-%s-%s-%s\\nsecond line\\n' \"$RSE_DB_HOST\" \"$RSE_DB_PORT\" "
           "\"$RSE_DB_USER\" \"$RSE_DB_NAME\"\n");
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }

  std::string Script(const std::string& name, const std::string& body) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << "#!/bin/sh\n" << body;
    chmod(path.c_str(), 0755);
    return path;
  }
  int Calls() {
    std::ifstream in(dir_ + "/calls");
    int n = 0;
    for (std::string line; std::getline(in, line);) ++n;
    return n;
  }

  std::string dir_;
};

TEST_F(PasswordCommandTest, TheFirstLineIsThePasswordForThatMember) {
  PasswordCommand command({{dir_ + "/helper.sh"}, std::chrono::milliseconds(0), std::chrono::seconds(5)});
  auto password = command.Get({"db1", 5432, "exporter", "shop"});
  ASSERT_TRUE(password.ok()) << password.status().message();
  EXPECT_EQ(*password, "pw-db1-5432-exporter-shop");
  EXPECT_TRUE(command.Get({"db1", 5432, "exporter", "shop"}).ok());
  EXPECT_EQ(Calls(), 2) << "no TTL: run for every new connection";
}

TEST_F(PasswordCommandTest, APasswordIsKeptPerMemberForItsTtl) {
  PasswordCommand command({{dir_ + "/helper.sh"}, std::chrono::hours(1), std::chrono::seconds(5)});
  for (int i = 0; i < 3; ++i) EXPECT_EQ(*command.Get({"db1", 5432, "u", "d"}), "pw-db1-5432-u-d");
  EXPECT_EQ(Calls(), 1);
  EXPECT_EQ(*command.Get({"db2", 5432, "u", "d"}), "pw-db2-5432-u-d") << "tokens are per host";
  EXPECT_EQ(Calls(), 2);
}

TEST_F(PasswordCommandTest, AFailureSaysWhyAndNeverWhatTheHelperPrinted) {
  const std::string failing = Script("fail.sh", "echo hunter2-secret\nexit 3\n");
  PasswordCommand command({{failing}, std::chrono::hours(1), std::chrono::seconds(5)});
  auto password = command.Get({"db1", 1, "u", "d"});
  ASSERT_FALSE(password.ok());
  EXPECT_NE(password.status().message().find("exit status 3"), std::string::npos)
      << password.status().message();
  EXPECT_EQ(password.status().message().find("hunter2"), std::string::npos);
  const std::string silent = Script("silent.sh", "exit 0\n");
  auto none = PasswordCommand({{silent}, {}, std::chrono::seconds(5)}).Get({"db1", 1, "u", "d"});
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("printed no password"), std::string::npos);
  auto missing = PasswordCommand({{dir_ + "/nope"}, {}, std::chrono::seconds(5)}).Get({"db1", 1, "u", "d"});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("cannot run"), std::string::npos);
  EXPECT_FALSE(FindExecutable(dir_ + "/nope"));
  EXPECT_TRUE(FindExecutable("sh"));
}

TEST_F(PasswordCommandTest, AHelperThatHangsIsKilledAtItsTimeout) {
  const std::string hang = Script("hang.sh", "exec sleep 60\n");
  auto password =
      PasswordCommand({{hang}, {}, std::chrono::milliseconds(100)}).Get({"db1", 1, "u", "d"});
  ASSERT_FALSE(password.ok());
  EXPECT_NE(password.status().message().find("killed"), std::string::npos)
      << password.status().message();
}

}  // namespace
}  // namespace rse
