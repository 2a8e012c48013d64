// The threads that run request handlers (a scrape blocks for its deadline):
// a pool that grows on demand up to `max_threads` and shrinks back to
// `min_threads` when idle, so a handler gets a thread at once while fewer
// than `max_threads` are busy, and queues past that.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <list>
#include <mutex>
#include <thread>
#include <vector>

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
  void JoinFinishedLocked(std::unique_lock<std::mutex>& lock);

  const size_t min_threads_;
  const size_t max_threads_;
  const std::chrono::milliseconds idle_exit_;
  mutable std::mutex mu_;
  std::condition_variable work_;
  std::deque<std::function<void()>> jobs_;                  // Guarded by mu_.
  std::list<std::thread> threads_;                          // Guarded by mu_.
  std::vector<std::list<std::thread>::iterator> finished_;  // Guarded by mu_. Exited, to join.
  size_t idle_ = 0;                                         // Guarded by mu_.
  bool shutdown_ = false;                                   // Guarded by mu_.
};

}  // namespace rse
