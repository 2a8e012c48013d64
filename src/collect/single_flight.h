// Coalesces concurrent executions of the same query: the first caller leads
// (and must call Finish), later callers join and share its result. Two
// Prometheus servers of an HA pair thus cost the database one execution.
// Each execution also carries its timing, so a scrape that stops waiting for
// it at its deadline can say how long it waited and ran. Thread-safe.
#pragma once

#include <atomic>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "base/clock.h"
#include "collect/query_outcome.h"

namespace rse {

class SingleFlight {
 public:
  // One execution, shared by the scrape that leads it and those that join it.
  struct Execution {
    explicit Execution(TimePoint planned) : planned_at(planned) {}
    const TimePoint planned_at;           // When the leading scrape asked for it.
    std::atomic<TimePoint> started_at{};  // When its statement began; {} until then.
    // Claimed by whoever counts this execution's failure first: the scrape that
    // gave up on it at its deadline, or the worker when it ends.
    std::atomic<bool> failure_counted{false};
    std::shared_future<SharedOutcome> result;
  };

  struct Ticket {
    std::shared_ptr<Execution> execution;
    bool leader = false;  // The caller must run the query and call Finish().
  };

  Ticket Begin(const std::string& key, TimePoint now);
  void Finish(const std::string& key, SharedOutcome outcome);

 private:
  struct Running {
    std::promise<SharedOutcome> promise;
    std::shared_ptr<Execution> execution;
  };
  std::mutex mu_;
  std::map<std::string, Running> running_;  // Guarded by mu_.
};

}  // namespace rse
