#include "db/cancel_watchdog.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "fakes/fake_clock.h"
#include "testing/event_counter.h"

namespace rse {
namespace {

using namespace std::chrono_literals;

using Cancels = testing::EventCounter;

TEST(CancelWatchdogTest, FiresOnceWhenTheClockPassesTheDeadline) {
  testing::FakeClock clock;
  CancelWatchdog watchdog(&clock);
  Cancels cancels;
  auto guard = watchdog.Watch(clock.Now() + 1h, cancels.Callback());
  clock.Advance(2h);
  watchdog.Recheck();
  ASSERT_TRUE(cancels.AwaitCount(1));
  watchdog.Recheck();
  // A second entry that fires proves the first did not fire again meanwhile.
  auto later = watchdog.Watch(clock.Now(), cancels.Callback());
  ASSERT_TRUE(cancels.AwaitCount(2));
  EXPECT_EQ(cancels.count(), 2);
}

TEST(CancelWatchdogTest, AForgottenEntryNeverFires) {
  testing::FakeClock clock;
  CancelWatchdog watchdog(&clock);
  Cancels forgotten, kept;
  { auto guard = watchdog.Watch(clock.Now() + 1s, forgotten.Callback()); }
  auto guard = watchdog.Watch(clock.Now() + 2s, kept.Callback());
  clock.Advance(3s);
  watchdog.Recheck();
  ASSERT_TRUE(kept.AwaitCount(1));
  EXPECT_EQ(forgotten.count(), 0) << "the statement ended before its deadline";
}

TEST(CancelWatchdogTest, FiresTheEarliestFirst) {
  testing::FakeClock clock;
  CancelWatchdog watchdog(&clock);
  std::mutex mu;
  std::vector<int> order;
  Cancels all;
  auto record = [&](int id) {
    return [&, id] {
      {
        std::lock_guard<std::mutex> lock(mu);
        order.push_back(id);
      }
      all.Add();
    };
  };
  auto late = watchdog.Watch(clock.Now() + 2s, record(2));
  auto early = watchdog.Watch(clock.Now() + 1s, record(1));
  clock.Advance(1500ms);
  watchdog.Recheck();
  ASSERT_TRUE(all.AwaitCount(1));
  clock.Advance(1s);
  watchdog.Recheck();
  ASSERT_TRUE(all.AwaitCount(2));
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
}

// A Watch() due later than the thread's next wake-up does not wake it (most
// statements of a scrape share one deadline); one due sooner must.
TEST(CancelWatchdogTest, AnEarlierDeadlineWatchedLaterStillFiresOnTime) {
  CancelWatchdog watchdog(DefaultClock());
  Cancels late, soon;
  const TimePoint start = DefaultClock()->Now();
  auto far = watchdog.Watch(start + 1h, late.Callback());
  auto same = watchdog.Watch(start + 1h, late.Callback());  // No wake-up needed.
  auto near = watchdog.Watch(start + 50ms, soon.Callback());
  ASSERT_TRUE(soon.AwaitCount(1)) << "the thread, asleep until the 1 h deadline, was woken";
  EXPECT_LT(DefaultClock()->Now() - start, 5s);
  EXPECT_EQ(late.count(), 0);
}

TEST(CancelWatchdogTest, ForgettingWaitsForACancelInProgress) {
  testing::FakeClock clock;
  CancelWatchdog watchdog(&clock);
  std::mutex mu;
  std::condition_variable cv;
  bool entered = false, release = false, finished = false;
  auto guard = std::make_unique<CancelWatchdog::Guard>(watchdog.Watch(clock.Now(), [&] {
    std::unique_lock<std::mutex> lock(mu);
    entered = true;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });
    finished = true;
  }));
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, 30s, [&] { return entered; }));
  }
  std::thread releaser([&] {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
    cv.notify_all();
  });
  guard.reset();  // Must not return while the cancel still runs.
  {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_TRUE(finished);
  }
  releaser.join();
}

}  // namespace
}  // namespace rse
