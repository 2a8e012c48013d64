#include "db/cancel_watchdog.h"

namespace rse {

CancelWatchdog::CancelWatchdog(const Clock* clock) : clock_(clock), thread_([this] { Run(); }) {}

CancelWatchdog::~CancelWatchdog() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
  }
  changed_.SignalAll();
  thread_.join();
}

CancelWatchdog::Guard::~Guard() {
  if (owner_) owner_->Forget(id_);
}

CancelWatchdog::Guard CancelWatchdog::Watch(TimePoint at, std::function<void()> cancel) {
  uint64_t id;
  {
    MutexLock lock(&mu_);
    id = next_id_++;
    entries_.emplace(id, Entry{at, std::move(cancel)});
    // The thread already wakes by then (most statements of a scrape share
    // its deadline): no wake-up, no context switch per statement.
    if (at >= wake_at_) return Guard(this, id);
    wake_at_ = at;
  }
  changed_.SignalAll();
  return Guard(this, id);
}

void CancelWatchdog::Recheck() {
  MutexLock lock(&mu_);
  changed_.SignalAll();
}

void CancelWatchdog::Forget(uint64_t id) {
  MutexLock lock(&mu_);
  entries_.erase(id);
  // The caller is about to destroy what the cancel touches: wait it out.
  while (firing_id_ == id) changed_.Wait(&mu_);
}

void CancelWatchdog::Run() {
  MutexLock lock(&mu_);
  while (!stopping_) {
    auto earliest = entries_.end();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (earliest == entries_.end() || it->second.at < earliest->second.at) earliest = it;
    }
    if (earliest == entries_.end()) {
      wake_at_ = TimePoint::max();
      changed_.Wait(&mu_);
      continue;
    }
    const TimePoint at = earliest->second.at;  // A copy: the entry may be erased while we wait.
    if (const TimePoint now = clock_->Now(); now < at) {
      wake_at_ = at;
      changed_.WaitFor(&mu_, at - now);
      continue;
    }
    uint64_t id = earliest->first;
    std::function<void()> cancel = std::move(earliest->second.cancel);
    entries_.erase(earliest);
    firing_id_ = id;
    lock.Unlock();
    cancel();  // Outside the lock: it does network I/O.
    lock.Lock();
    firing_id_ = 0;
    changed_.SignalAll();
  }
}

}  // namespace rse
