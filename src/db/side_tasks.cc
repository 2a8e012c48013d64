#include "db/side_tasks.h"

#include <thread>

namespace rse {

SideTasks::SideTasks(std::chrono::milliseconds grace) : grace_(grace) {}

SideTasks::~SideTasks() {
  std::unique_lock<std::mutex> lock(state_->mu);
  state_->done.wait_for(lock, grace_, [&] { return state_->running == 0; });
}

void SideTasks::Run(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    ++state_->running;
  }
  // Detached on purpose: nobody may wait on a call to a hung server. The
  // destructor's bounded wait is the only join there is.
  std::thread([state = state_, task = std::move(task)] {
    task();
    std::lock_guard<std::mutex> lock(state->mu);
    --state->running;
    state->done.notify_all();
  }).detach();
}

}  // namespace rse
