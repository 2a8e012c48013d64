#include "collect/single_flight.h"

#include <gtest/gtest.h>

namespace rse {
namespace {

const TimePoint kT0 = TimePoint() + std::chrono::hours(1);

SharedOutcome Rows(size_t n) {
  auto outcome = std::make_shared<QueryOutcome>();
  outcome->rows = n;
  return outcome;
}

TEST(SingleFlightTest, TheFirstLeadsAndLaterCallersShareItsResult) {
  SingleFlight flight;
  auto leader = flight.Begin("q", kT0);
  auto joiner = flight.Begin("q", kT0);
  EXPECT_TRUE(leader.leader);
  EXPECT_FALSE(joiner.leader);
  EXPECT_EQ(joiner.execution->result.wait_for(std::chrono::seconds(0)),
            std::future_status::timeout);
  flight.Finish("q", Rows(3));
  EXPECT_EQ(leader.execution->result.get()->rows, 3u);
  EXPECT_EQ(joiner.execution->result.get().get(), leader.execution->result.get().get())
      << "one outcome, shared";
  EXPECT_EQ(joiner.execution, leader.execution) << "and one execution, with one timing";
  EXPECT_EQ(leader.execution->planned_at, kT0);
  EXPECT_EQ(leader.execution->started_at.load(), TimePoint{}) << "not started yet";
}

TEST(SingleFlightTest, KeysAreIndependent) {
  SingleFlight flight;
  EXPECT_TRUE(flight.Begin("a", kT0).leader);
  EXPECT_TRUE(flight.Begin("b", kT0).leader);
  EXPECT_FALSE(flight.Begin("a", kT0).leader);
}

TEST(SingleFlightTest, AfterFinishAndRetireTheNextCallerLeadsANewExecution) {
  SingleFlight flight;
  auto first = flight.Begin("q", kT0);
  flight.Finish("q", Rows(1));
  flight.Retire("q", first.execution);
  auto second = flight.Begin("q", kT0);
  EXPECT_TRUE(second.leader) << "results are not kept: that is the cache's job";
  flight.Retire("q", second.execution);  // Before it finished: it is joined until then.
  EXPECT_FALSE(flight.Begin("q", kT0).leader);
  flight.Finish("q", Rows(2));
  EXPECT_EQ(second.execution->result.get()->rows, 2u);
  EXPECT_EQ(first.execution->result.get()->rows, 1u);
  EXPECT_TRUE(flight.Begin("q", kT0).leader) << "finished and retired: gone";
}

TEST(SingleFlightTest, AFinishedExecutionIsJoinedUntilItsScrapeIsDone) {
  SingleFlight flight;
  auto leader = flight.Begin("q", kT0);
  flight.Finish("q", Rows(4));
  auto late = flight.Begin("q", kT0);  // A scrape starting while the leader's still runs.
  EXPECT_FALSE(late.leader);
  EXPECT_EQ(late.execution->result.wait_for(std::chrono::seconds(0)), std::future_status::ready);
  EXPECT_EQ(late.execution->result.get()->rows, 4u);
  flight.Retire("q", std::make_shared<SingleFlight::Execution>(kT0));  // Not its execution.
  EXPECT_FALSE(flight.Begin("q", kT0).leader);
  flight.Retire("q", leader.execution);
  EXPECT_TRUE(flight.Begin("q", kT0).leader);
}

TEST(SingleFlightTest, FinishingAnUnknownKeyIsHarmless) {
  SingleFlight flight;
  flight.Finish("never-begun", Rows(1));
  EXPECT_TRUE(flight.Begin("never-begun", kT0).leader);
}

}  // namespace
}  // namespace rse
