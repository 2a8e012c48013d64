#include "http/elastic_thread_pool.h"

namespace rse {

ElasticThreadPool::ElasticThreadPool(size_t min_threads, size_t max_threads,
                                     std::chrono::milliseconds idle_exit)
    : min_threads_(min_threads), max_threads_(std::max(max_threads, min_threads)),
      idle_exit_(idle_exit) {}

ElasticThreadPool::~ElasticThreadPool() { Shutdown(); }

void ElasticThreadPool::Enqueue(std::function<void()> fn) {
  std::unique_lock<std::mutex> lock(mu_);
  JoinFinishedLocked(lock);
  jobs_.push_back(std::move(fn));
  // Only a job nobody idle can take starts a thread.
  if (idle_ < jobs_.size() && threads_.size() < max_threads_) {
    threads_.emplace_back();
    auto self = std::prev(threads_.end());
    *self = std::thread([this, self] { Work(self); });
  }
  work_.notify_one();
}

void ElasticThreadPool::Work(std::list<std::thread>::iterator self) {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    ++idle_;
    const bool woke = work_.wait_for(lock, idle_exit_, [this] { return shutdown_ || !jobs_.empty(); });
    --idle_;
    if (!woke) {
      if (threads_.size() - finished_.size() > min_threads_) break;  // Idle too long: shrink.
      continue;
    }
    if (jobs_.empty()) break;  // Shut down, nothing left to run.
    auto job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    job();
    lock.lock();
  }
  finished_.push_back(self);
  work_.notify_all();  // Shutdown() may be waiting for the last thread.
}

void ElasticThreadPool::JoinFinishedLocked(std::unique_lock<std::mutex>& lock) {
  while (!finished_.empty()) {
    std::vector<std::list<std::thread>::iterator> done;
    done.swap(finished_);
    std::list<std::thread> joined;
    for (auto it : done) joined.splice(joined.end(), threads_, it);
    lock.unlock();
    for (std::thread& thread : joined) thread.join();
    lock.lock();
  }
}

void ElasticThreadPool::Shutdown() {
  std::unique_lock<std::mutex> lock(mu_);
  shutdown_ = true;
  work_.notify_all();
  while (!threads_.empty()) {
    work_.wait(lock, [this] { return !finished_.empty(); });
    JoinFinishedLocked(lock);
  }
}

size_t ElasticThreadPool::idle() const {
  std::lock_guard<std::mutex> lock(mu_);
  return idle_;
}

size_t ElasticThreadPool::threads() const {
  std::lock_guard<std::mutex> lock(mu_);
  return threads_.size() - finished_.size();
}

}  // namespace rse
