#include "collect/single_flight.h"

namespace rse {

SingleFlight::Ticket SingleFlight::Begin(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = running_futures_.find(key);
  if (it != running_futures_.end()) return {it->second, false};
  std::promise<SharedOutcome>& promise = running_[key];
  std::shared_future<SharedOutcome> future = promise.get_future().share();
  running_futures_[key] = future;
  return {future, true};
}

void SingleFlight::Finish(const std::string& key, SharedOutcome outcome) {
  std::promise<SharedOutcome> promise;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = running_.find(key);
    if (it == running_.end()) return;
    promise = std::move(it->second);
    running_.erase(it);
    running_futures_.erase(key);
  }
  promise.set_value(std::move(outcome));
}

}  // namespace rse
