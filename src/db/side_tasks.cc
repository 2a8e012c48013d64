#include "db/side_tasks.h"

#include <thread>

namespace rse {

SideTasks::SideTasks(std::chrono::milliseconds grace) : grace_(grace) {}

SideTasks::~SideTasks() {
  const auto until = std::chrono::steady_clock::now() + grace_;
  MutexLock lock(&state_->mu);
  while (state_->running > 0) {
    if (!state_->done.WaitUntil(&state_->mu, until)) break;
  }
}

bool SideTasks::Run(const std::string& key, std::function<void()> task) {
  {
    MutexLock lock(&state_->mu);
    if (!state_->keys.insert(key).second) return false;
    ++state_->running;
  }
  // Detached on purpose: nobody may wait on a call to a hung server. The
  // destructor's bounded wait is the only join there is.
  std::thread([state = state_, key, task = std::move(task)] {
    task();
    MutexLock lock(&state->mu);
    state->keys.erase(key);
    --state->running;
    state->done.SignalAll();
  }).detach();
  return true;
}

}  // namespace rse
