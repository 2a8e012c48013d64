#include "db/session_guard.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "fakes/fake_clock.h"

namespace rse {
namespace {

using namespace std::chrono_literals;

class SessionGuardTest : public ::testing::Test {
 protected:
  testing::FakeClock clock_;
  CancelWatchdog watchdog_{&clock_};
  int server_cancels_ = 0;
  int aborts_ = 0;
  SessionGuard guard_{"fake", &clock_, &watchdog_, [this] { ++server_cancels_; },
                      [this] { ++aborts_; }};
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

TEST_F(SessionGuardTest, AStatementBrokenByTheWatchdogIsATimeoutNotAConnectionFailure) {
  // What the driver says when its socket is shut under it by Abort().
  auto got = guard_.Run<int>(Deadline(clock_.Now() + 1s), [&](auto) -> StatusOr<int> {
    guard_.RequestCancel();
    return Status::Unavailable("server closed the connection unexpectedly");
  });
  EXPECT_EQ(got.status().code(), Status::Code::kDeadlineExceeded) << got.status().message();
  EXPECT_NE(got.status().message().find("did not answer in time"), std::string::npos);
}

TEST_F(SessionGuardTest, TheWatchdogCancelsThenAbortsAStatementThatDoesNotReturn) {
  std::mutex mu;
  std::condition_variable cv;
  bool aborted = false;
  SessionGuard guard{"fake", &clock_, &watchdog_, [this] { ++server_cancels_; },
                     [&] {
                       std::lock_guard<std::mutex> lock(mu);
                       aborted = true;
                       cv.notify_all();
                     }};
  auto got = guard.Run<int>(Deadline(clock_.Now() + 1s), [&](auto) -> StatusOr<int> {
    // The server does not answer; time passes past deadline + grace + abort grace.
    clock_.Advance(1s + kCancelGrace);
    watchdog_.Recheck();
    clock_.Advance(kAbortGrace);
    watchdog_.Recheck();
    std::unique_lock<std::mutex> lock(mu);
    EXPECT_TRUE(cv.wait_for(lock, 60s, [&] { return aborted; }));
    return Status::Unavailable("lost connection");
  });
  EXPECT_EQ(server_cancels_, 1) << "the cancel came first";
  EXPECT_EQ(got.status().code(), Status::Code::kUnavailable)
      << "the fake's cancel does not mark the guard; the abort freed the statement";
  EXPECT_TRUE(guard.Unresponsive()) << "neither the statement nor its cancel was answered";
}

TEST_F(SessionGuardTest, AStatementStoppedByItsCancelLeavesTheServerResponsive) {
  auto got = guard_.Run<int>(Deadline(clock_.Now() + 1s), [&](auto) -> StatusOr<int> {
    clock_.Advance(1s + kCancelGrace);
    watchdog_.Recheck();
    // The server answers the cancel: the statement ends before the abort is due.
    return Status::DeadlineExceeded("canceling statement due to user request");
  });
  EXPECT_EQ(got.status().code(), Status::Code::kDeadlineExceeded);
  EXPECT_EQ(aborts_, 0);
  EXPECT_FALSE(guard_.Unresponsive()) << "a timeout alone is the query's, not the server's";
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
