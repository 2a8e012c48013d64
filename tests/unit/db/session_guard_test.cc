#include "db/session_guard.h"

#include <gtest/gtest.h>

#include "fakes/fake_clock.h"

namespace rse {
namespace {

using namespace std::chrono_literals;

class SessionGuardTest : public ::testing::Test {
 protected:
  testing::FakeClock clock_;
  CancelWatchdog watchdog_{&clock_};
  int server_cancels_ = 0;
  SessionGuard guard_{"fake", &clock_, &watchdog_, [this] { ++server_cancels_; }};
};

TEST_F(SessionGuardTest, GivesTheBodyTheTimeLeft) {
  auto got = guard_.Run<int>(Deadline(clock_.Now() + 1500ms),
                             [](std::chrono::milliseconds left) -> StatusOr<int> {
                               return static_cast<int>(left.count());
                             });
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, 1500);
  EXPECT_TRUE(guard_.Usable());
}

TEST_F(SessionGuardTest, RefusesAStatementWithUnderAMillisecondLeft) {
  // A zero statement limit would mean "no limit" to the server.
  bool ran = false;
  auto got = guard_.Run<int>(Deadline(clock_.Now() + 500us), [&](auto) -> StatusOr<int> {
    ran = true;
    return 1;
  });
  EXPECT_FALSE(ran);
  EXPECT_EQ(got.status().code(), Status::Code::kDeadlineExceeded);
  EXPECT_TRUE(guard_.Usable()) << "running out of time is not the session's fault";
}

TEST_F(SessionGuardTest, ACancelDuringAStatementMustReachTheServer) {
  bool must_stop = false;
  auto got = guard_.Run<int>(Deadline(clock_.Now() + 1s), [&](auto) -> StatusOr<int> {
    must_stop = guard_.RequestCancel();
    return Status::DeadlineExceeded("cancelled");
  });
  EXPECT_TRUE(must_stop);
  EXPECT_FALSE(guard_.Usable()) << "a late cancel could hit the next statement";
  auto next = guard_.Run<int>(Deadline(clock_.Now() + 1s), [](auto) -> StatusOr<int> { return 1; });
  EXPECT_EQ(next.status().code(), Status::Code::kUnavailable);
}

TEST_F(SessionGuardTest, ACancelBetweenStatementsSendsNothing) {
  EXPECT_FALSE(guard_.RequestCancel());
  EXPECT_FALSE(guard_.Usable());
  EXPECT_EQ(server_cancels_, 0);
}

TEST_F(SessionGuardTest, ABrokenSessionRunsNothingMore) {
  guard_.MarkBroken();
  auto got = guard_.Run<int>(Deadline(clock_.Now() + 1s), [](auto) -> StatusOr<int> { return 1; });
  EXPECT_EQ(got.status().code(), Status::Code::kUnavailable);
  EXPECT_NE(got.status().message().find("fake: session was cancelled or broken"),
            std::string::npos);
}

}  // namespace
}  // namespace rse
