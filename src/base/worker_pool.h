// The one worker-thread pool of the tree: grows on demand up to
// `max_threads` and shrinks back to `min_threads` when idle, so a task gets a
// thread at once while fewer than `max_threads` are busy, and queues (first
// in, first out) past that. Shutdown, and destruction, run what is queued and
// join every thread: work is never detached. Thread-safe. The web server's
// handlers use it elastic; the scrape engine's workers fixed (min = max).
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <list>
#include <thread>
#include <vector>

#include "base/mutex.h"

namespace rse {

class WorkerPool {
 public:
  // `name` (at most 15 characters) names the threads, as ps and /proc show
  // them: which pool a thread is in, for whoever counts them.
  WorkerPool(size_t min_threads, size_t max_threads,
             std::chrono::milliseconds idle_exit = std::chrono::seconds(30),
             const char* name = "rse-worker");
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void Run(std::function<void()> fn);
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
  const char* const name_;
  mutable Mutex mu_;
  CondVar work_;
  std::deque<std::function<void()>> jobs_ GUARDED_BY(mu_);
  std::list<std::thread> threads_ GUARDED_BY(mu_);
  std::vector<std::list<std::thread>::iterator> finished_ GUARDED_BY(mu_);  // Exited, to join.
  size_t idle_ GUARDED_BY(mu_) = 0;
  bool shutdown_ GUARDED_BY(mu_) = false;
};

}  // namespace rse
