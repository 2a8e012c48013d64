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

void SideTasks::Run(std::function<void()> task) {
  {
    MutexLock lock(&state_->mu);
    ++state_->running;
  }
  // Detached on purpose: nobody may wait on a call to a hung server. The
  // destructor's bounded wait is the only join there is.
  std::thread([state = state_, task = std::move(task)] {
    task();
    MutexLock lock(&state->mu);
    --state->running;
    state->done.SignalAll();
  }).detach();
}

}  // namespace rse
