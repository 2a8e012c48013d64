#include "base/worker_pool.h"

#include <pthread.h>

namespace rse {

WorkerPool::WorkerPool(size_t min_threads, size_t max_threads,
                       std::chrono::milliseconds idle_exit, const char* name)
    : min_threads_(min_threads), max_threads_(std::max(max_threads, min_threads)),
      idle_exit_(idle_exit), name_(name) {}

WorkerPool::~WorkerPool() { Shutdown(); }

void WorkerPool::Run(std::function<void()> fn) {
  MutexLock lock(&mu_);
  JoinFinishedLocked();
  jobs_.push_back(std::move(fn));
  // Only a job nobody idle can take starts a thread.
  if (idle_ < jobs_.size() && threads_.size() < max_threads_) {
    threads_.emplace_back();
    auto self = std::prev(threads_.end());
    *self = std::thread([this, self] { Work(self); });
  }
  work_.Signal();
}

void WorkerPool::Work(std::list<std::thread>::iterator self) {
  pthread_setname_np(pthread_self(), name_);  // Longer names fail and leave the old one.
  MutexLock lock(&mu_);
  while (true) {
    ++idle_;
    const auto until = std::chrono::steady_clock::now() + idle_exit_;
    bool woke = true;
    while (woke && !shutdown_ && jobs_.empty()) woke = work_.WaitUntil(&mu_, until);
    woke = woke || shutdown_ || !jobs_.empty();
    --idle_;
    if (!woke) {
      if (threads_.size() - finished_.size() > min_threads_) break;  // Idle too long: shrink.
      continue;
    }
    if (jobs_.empty()) break;  // Shut down, nothing left to run.
    auto job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.Unlock();
    job();
    lock.Lock();
  }
  finished_.push_back(self);
  work_.SignalAll();  // Shutdown() may be waiting for the last thread.
}

void WorkerPool::JoinFinishedLocked() {
  while (!finished_.empty()) {
    std::vector<std::list<std::thread>::iterator> done;
    done.swap(finished_);
    std::list<std::thread> joined;
    for (auto it : done) joined.splice(joined.end(), threads_, it);
    mu_.Unlock();
    for (std::thread& thread : joined) thread.join();
    mu_.Lock();
  }
}

void WorkerPool::Shutdown() {
  MutexLock lock(&mu_);
  shutdown_ = true;
  work_.SignalAll();
  while (!threads_.empty()) {
    while (finished_.empty()) work_.Wait(&mu_);
    JoinFinishedLocked();
  }
}

size_t WorkerPool::idle() const {
  MutexLock lock(&mu_);
  return idle_;
}

size_t WorkerPool::threads() const {
  MutexLock lock(&mu_);
  return threads_.size() - finished_.size();
}

}  // namespace rse
