#include "collect/single_flight.h"

namespace rse {

SingleFlight::Ticket SingleFlight::Begin(const std::string& key, TimePoint now) {
  MutexLock lock(&mu_);
  auto it = running_.find(key);
  if (it != running_.end()) return {it->second.execution, false};
  Running& running = running_[key];
  running.execution = std::make_shared<Execution>(now);
  running.execution->result = running.promise.get_future().share();
  return {running.execution, true};
}

void SingleFlight::Finish(const std::string& key, SharedOutcome outcome) {
  MutexLock lock(&mu_);
  auto it = running_.find(key);
  if (it == running_.end() || it->second.finished) return;
  it->second.promise.set_value(std::move(outcome));  // Joiners only read the shared future.
  it->second.finished = true;
  if (it->second.retired) running_.erase(it);
}

void SingleFlight::Retire(const std::string& key, const std::shared_ptr<Execution>& execution) {
  MutexLock lock(&mu_);
  auto it = running_.find(key);
  if (it == running_.end() || it->second.execution != execution) return;
  it->second.retired = true;
  if (it->second.finished) running_.erase(it);
}

}  // namespace rse
