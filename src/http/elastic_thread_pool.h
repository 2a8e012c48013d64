// httplib's task queue for connections: a thread per connection from a
// pool that grows on demand up to `max_threads` and shrinks back to
// `min_threads` when idle. httplib's own pool has a fixed size, so a few slow
// or idle keep-alive clients held every worker and scrapes queued behind them
// without their deadline running; here a new connection gets a thread at once
// while fewer than `max_threads` are busy.
#pragma once

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <list>
#include <mutex>
#include <thread>

namespace rse {

class ElasticThreadPool final : public httplib::TaskQueue {
 public:
  ElasticThreadPool(size_t min_threads, size_t max_threads,
                    std::chrono::milliseconds idle_exit = std::chrono::seconds(30));
  ~ElasticThreadPool() override;

  void enqueue(std::function<void()> fn) override;
  // Runs what is queued, then joins every thread.
  void shutdown() override;

  size_t threads() const;

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
