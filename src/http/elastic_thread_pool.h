// The threads that run request handlers (a scrape blocks for its deadline):
// a pool that grows on demand up to `max_threads` and shrinks back to
// `min_threads` when idle, so a handler gets a thread at once while fewer
// than `max_threads` are busy, and queues past that.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <list>
#include <mutex>
#include <thread>
#include <vector>

#include "base/mutex.h"

namespace rse {

class ElasticThreadPool {
 public:
  ElasticThreadPool(size_t min_threads, size_t max_threads,
                    std::chrono::milliseconds idle_exit = std::chrono::seconds(30));
  ~ElasticThreadPool();
  ElasticThreadPool(const ElasticThreadPool&) = delete;
  ElasticThreadPool& operator=(const ElasticThreadPool&) = delete;

  void Enqueue(std::function<void()> fn);
  // Runs what is queued, then joins every thread.
  void Shutdown();

  size_t threads() const;
  // Threads waiting for a job now.
  size_t idle() const;

 private:
  void Work(std::list<std::thread>::iterator self);
  // Joins the threads that exited, with the lock released meanwhile.
  void JoinFinishedLocked() REQUIRES(mu_);

  const size_t min_threads_;
  const size_t max_threads_;
  const std::chrono::milliseconds idle_exit_;
  mutable Mutex mu_;
  CondVar work_;
  std::deque<std::function<void()>> jobs_ GUARDED_BY(mu_);
  std::list<std::thread> threads_ GUARDED_BY(mu_);
  std::vector<std::list<std::thread>::iterator> finished_ GUARDED_BY(mu_);  // Exited, to join.
  size_t idle_ GUARDED_BY(mu_) = 0;
  bool shutdown_ GUARDED_BY(mu_) = false;
};

}  // namespace rse
