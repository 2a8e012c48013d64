#include "collect/result_cache.h"

#include <gtest/gtest.h>

#include "fakes/fake_clock.h"

namespace rse {
namespace {

using namespace std::chrono_literals;

SharedOutcome Outcome(bool ok, TimePoint finished, size_t rows) {
  auto outcome = std::make_shared<QueryOutcome>();
  if (!ok) outcome->status = Status::InvalidArgument("failed");
  outcome->finished_at = finished;
  outcome->rows = rows;
  return outcome;
}

TEST(ResultCacheTest, ServesAResultYoungerThanTheAskedAge) {
  testing::FakeClock clock;
  ResultCache cache(&clock);
  EXPECT_FALSE(cache.Get("q", 5min));
  cache.Store("q", Outcome(true, clock.Now(), 1));
  clock.Advance(4min);
  ASSERT_TRUE(cache.Get("q", 5min));
  EXPECT_EQ(cache.AgeSeconds(*cache.Get("q", 5min)), 240);
  clock.Advance(1min);
  EXPECT_FALSE(cache.Get("q", 5min)) << "exactly the TTL is too old";
  EXPECT_TRUE(cache.Get("q", 10min)) << "still within max_staleness";
}

TEST(ResultCacheTest, NeverStoresAFailure) {
  testing::FakeClock clock;
  ResultCache cache(&clock);
  cache.Store("q", Outcome(true, clock.Now(), 1));
  clock.Advance(1s);
  cache.Store("q", Outcome(false, clock.Now(), 0));
  ASSERT_TRUE(cache.Get("q", 5min));
  EXPECT_EQ(cache.Get("q", 5min)->rows, 1u);
}

TEST(ResultCacheTest, AnOlderSlowRefreshDoesNotReplaceANewerResult) {
  testing::FakeClock clock;
  ResultCache cache(&clock);
  const TimePoint early = clock.Now();
  clock.Advance(10s);
  cache.Store("q", Outcome(true, clock.Now(), 2));
  cache.Store("q", Outcome(true, early, 1));
  EXPECT_EQ(cache.Get("q", 5min)->rows, 2u);
}

}  // namespace
}  // namespace rse
