// The look at every member when a cluster is (re)configured: several members
// at once, so a start costs about one probe and a silent member holds up none.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "pool/replica_pool_fixture.h"

namespace rse {
namespace {

TEST_F(ReplicaPoolTest, TheStartupCheckProbesTheMembersAtOnce) {
  MakePool(3);
  // Member 1's probe answers only once member 3's has begun: in turn, it
  // would wait out the ceiling and the test fail.
  std::mutex mu;
  std::condition_variable began;
  bool third_began = false;
  bool first_saw_third = false;
  backend_.Edit(1, [&](FakeMember& m) {
    m.on_probe = [&] {
      std::unique_lock<std::mutex> lock(mu);
      first_saw_third = began.wait_for(lock, std::chrono::seconds(20), [&] { return third_began; });
    };
  });
  backend_.Edit(3, [&](FakeMember& m) {
    m.on_probe = [&] {
      std::lock_guard<std::mutex> lock(mu);
      third_began = true;
      began.notify_all();
    };
  });
  EXPECT_TRUE(pool_->CheckForMasterElection(Soon()).ok());
  EXPECT_TRUE(first_saw_third);
  for (int port = 1; port <= 3; ++port) EXPECT_EQ(StateOf(port), MemberState::kHealthy) << port;
  for (int port = 1; port <= 3; ++port) EXPECT_EQ(backend_.Get(port).probes, 1) << port;
}

TEST_F(ReplicaPoolTest, TheStartupCheckRefusesAnElectionFoundByAnyOfItsThreads) {
  MakePool(12);  // More members than the check's threads.
  backend_.Edit(11, [](FakeMember& m) {
    m.probe = testing::ElectionMember("MariaDB Galera (wsrep_on = ON)");
  });
  Status status = pool_->CheckForMasterElection(Soon());
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("Galera"), std::string::npos) << status.message();
  for (int port = 1; port <= 12; ++port) EXPECT_LE(backend_.Get(port).probes, 1) << port;
}

}  // namespace
}  // namespace rse
