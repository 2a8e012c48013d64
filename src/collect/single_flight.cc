#include "collect/single_flight.h"

namespace rse {

SingleFlight::Ticket SingleFlight::Begin(const std::string& key, TimePoint now) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = running_.find(key);
  if (it != running_.end()) return {it->second.execution, false};
  Running& running = running_[key];
  running.execution = std::make_shared<Execution>(now);
  running.execution->result = running.promise.get_future().share();
  return {running.execution, true};
}

void SingleFlight::Finish(const std::string& key, SharedOutcome outcome) {
  std::promise<SharedOutcome> promise;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = running_.find(key);
    if (it == running_.end()) return;
    promise = std::move(it->second.promise);
    running_.erase(it);
  }
  promise.set_value(std::move(outcome));
}

}  // namespace rse
