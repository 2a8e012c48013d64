// Coalesces concurrent executions of the same query: the first caller leads
// (and must call Finish), later callers join and share its result. Two
// Prometheus servers of an HA pair thus cost the database one execution.
// Thread-safe.
#pragma once

#include <future>
#include <map>
#include <mutex>
#include <string>

#include "collect/query_outcome.h"

namespace rse {

class SingleFlight {
 public:
  struct Ticket {
    std::shared_future<SharedOutcome> result;
    bool leader = false;  // The caller must run the query and call Finish().
  };

  Ticket Begin(const std::string& key);
  void Finish(const std::string& key, SharedOutcome outcome);

 private:
  std::mutex mu_;
  std::map<std::string, std::promise<SharedOutcome>> running_;                // Guarded by mu_.
  std::map<std::string, std::shared_future<SharedOutcome>> running_futures_;  // Guarded by mu_.
};

}  // namespace rse
