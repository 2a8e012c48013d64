#include "collect/scrape_session.h"

#include <gtest/gtest.h>

#include <sstream>

#include "fakes/fake_backend.h"
#include "fakes/fake_clock.h"

namespace rse {
namespace {

using namespace std::chrono_literals;

class ScrapeSessionTest : public ::testing::Test {
 protected:
  // Members listen on ports 1..n; member i is port i+1.
  void MakePool(int members) {
    std::vector<Member> list;
    for (int port = 1; port <= members; ++port)
      list.push_back({"db:" + std::to_string(port), {"db", port}, ""});
    PoolOptions options;
    options.connections_per_replica = 2;
    pool_ = std::make_unique<ReplicaPool>(std::move(list), options, &backend_, &clock_, &logger_);
    session_ = std::make_unique<ScrapeSession>(pool_.get(), Deadline(clock_.Now() + 5s), &logger_);
  }

  std::ostringstream log_;
  Logger logger_{LogLevel::kDebug, LogFormat::kLogfmt, &log_};
  testing::FakeClock clock_;
  testing::FakeBackend backend_;
  std::unique_ptr<ReplicaPool> pool_;
  std::unique_ptr<ScrapeSession> session_;
};

TEST_F(ScrapeSessionTest, ParallelWorkersGetConnectionsToTheServingReplica) {
  MakePool(2);
  auto first = session_->Open();
  ASSERT_TRUE(first.ok()) << first.status().message();
  auto more = session_->AcquireMore();
  ASSERT_TRUE(more.ok()) << more.status().message();
  EXPECT_EQ(more->member(), first->member());
  EXPECT_EQ(backend_.Get(1).connects, 2);
  EXPECT_EQ(backend_.Get(2).connects, 0);
}

TEST_F(ScrapeSessionTest, FailOverMovesTheScrapeAndMarksTheReplicaDown) {
  MakePool(2);
  auto first = session_->Open();
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->member(), 0u);
  auto next =
      session_->FailOver(std::move(*first), Status::Unavailable("server closed the connection"));
  ASSERT_TRUE(next.ok()) << next.status().message();
  EXPECT_EQ(next->member(), 1u);
  EXPECT_EQ(pool_->Snapshot()[0].state, MemberState::kDown);
  auto more = session_->AcquireMore();
  ASSERT_TRUE(more.ok());
  EXPECT_EQ(more->member(), 1u) << "later workers join the new replica";
  EXPECT_NE(log_.str().find("failing over mid-scrape"), std::string::npos);
}

TEST_F(ScrapeSessionTest, AWorkerLosingTheSameReplicaFollowsTheMove) {
  MakePool(3);
  auto a = session_->Open();
  auto b = session_->AcquireMore();
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(b->member(), 0u);
  auto a_next = session_->FailOver(std::move(*a), Status::Unavailable("gone"));
  ASSERT_TRUE(a_next.ok());
  auto b_next = session_->FailOver(std::move(*b), Status::Unavailable("gone"));
  ASSERT_TRUE(b_next.ok()) << b_next.status().message();
  EXPECT_EQ(b_next->member(), a_next->member()) << "one scrape, one serving replica";
  EXPECT_EQ(backend_.Get(3).connects, 0);
}

TEST_F(ScrapeSessionTest, NoReplicaLeftMeansTheFailoverFails) {
  MakePool(1);
  auto first = session_->Open();
  ASSERT_TRUE(first.ok());
  auto next = session_->FailOver(std::move(*first), Status::Unavailable("gone"));
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.status().code(), Status::Code::kUnavailable);
}

}  // namespace
}  // namespace rse
