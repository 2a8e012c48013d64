#include "collect/single_flight.h"

#include <gtest/gtest.h>

namespace rse {
namespace {

SharedOutcome Rows(size_t n) {
  auto outcome = std::make_shared<QueryOutcome>();
  outcome->rows = n;
  return outcome;
}

TEST(SingleFlightTest, TheFirstLeadsAndLaterCallersShareItsResult) {
  SingleFlight flight;
  auto leader = flight.Begin("q");
  auto joiner = flight.Begin("q");
  EXPECT_TRUE(leader.leader);
  EXPECT_FALSE(joiner.leader);
  EXPECT_EQ(joiner.result.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
  flight.Finish("q", Rows(3));
  EXPECT_EQ(leader.result.get()->rows, 3u);
  EXPECT_EQ(joiner.result.get().get(), leader.result.get().get()) << "one outcome, shared";
}

TEST(SingleFlightTest, KeysAreIndependent) {
  SingleFlight flight;
  EXPECT_TRUE(flight.Begin("a").leader);
  EXPECT_TRUE(flight.Begin("b").leader);
  EXPECT_FALSE(flight.Begin("a").leader);
}

TEST(SingleFlightTest, AfterFinishTheNextCallerLeadsANewExecution) {
  SingleFlight flight;
  auto first = flight.Begin("q");
  flight.Finish("q", Rows(1));
  auto second = flight.Begin("q");
  EXPECT_TRUE(second.leader) << "results are not kept: that is the cache's job";
  flight.Finish("q", Rows(2));
  EXPECT_EQ(second.result.get()->rows, 2u);
  EXPECT_EQ(first.result.get()->rows, 1u);
}

TEST(SingleFlightTest, FinishingAnUnknownKeyIsHarmless) {
  SingleFlight flight;
  flight.Finish("never-begun", Rows(1));
  EXPECT_TRUE(flight.Begin("never-begun").leader);
}

}  // namespace
}  // namespace rse
