// Coalesces concurrent executions of the same query: the first caller leads
// (and must call Finish when it ran, Retire when its scrape is done), later
// callers join and share its result. An execution is joined until it has
// finished *and* its leading scrape is done, so a scrape that starts while
// another is still running shares even the queries that one already finished:
// two Prometheus servers of an HA pair cost the database one execution.
// Each execution also carries its timing, so a scrape that stops waiting for
// it at its deadline can say how long it waited and ran. Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <future>
#include <map>
#include <memory>
#include <string>

#include "base/clock.h"
#include "base/mutex.h"
#include "collect/query_outcome.h"

namespace rse {

class SingleFlight {
 public:
  // One execution, shared by the scrape that leads it and those that join it.
  struct Execution {
    explicit Execution(TimePoint planned) : planned_at(planned) {}
    const TimePoint planned_at;           // When the leading scrape asked for it.
    std::atomic<TimePoint> started_at{};  // When its statement began; {} until then.
    // Claimed by whoever counts the failure of the execution's query number
    // `part` (0, or its place in a snapshot; below 64) first: the scrape that
    // gave up on it at its deadline, or the worker when it ends. True once.
    bool ClaimFailure(size_t part) {
      const uint64_t bit = uint64_t{1} << part;
      return !(failures_counted.fetch_or(bit) & bit);
    }
    std::atomic<uint64_t> failures_counted{0};
    std::shared_future<SharedOutcome> result;
  };

  struct Ticket {
    std::shared_ptr<Execution> execution;
    bool leader = false;  // The caller must run the query and call Finish().
  };

  Ticket Begin(const std::string& key, TimePoint now);
  // The execution of `key` ended with `outcome`.
  void Finish(const std::string& key, SharedOutcome outcome);
  // The scrape that led `execution` is done with it.
  void Retire(const std::string& key, const std::shared_ptr<Execution>& execution);

 private:
  struct Running {
    std::promise<SharedOutcome> promise;
    std::shared_ptr<Execution> execution;
    bool finished = false;
    bool retired = false;
  };
  Mutex mu_;
  std::map<std::string, Running> running_ GUARDED_BY(mu_);
};

}  // namespace rse
