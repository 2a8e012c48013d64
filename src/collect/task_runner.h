// A fixed set of worker threads, started once, running tasks in the order
// they were given (first in, first out). Destruction runs what is still
// queued and joins every thread, so work that outlives a scrape (a slow
// cached refresh) is never detached. Thread-safe.
#pragma once

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "base/mutex.h"

namespace rse {

class TaskRunner {
 public:
  explicit TaskRunner(size_t threads);
  ~TaskRunner();
  TaskRunner(const TaskRunner&) = delete;
  TaskRunner& operator=(const TaskRunner&) = delete;

  void Run(std::function<void()> task);
  size_t threads() const { return threads_.size(); }

 private:
  void Loop();

  Mutex mu_;
  CondVar wake_;
  std::deque<std::function<void()>> queue_ GUARDED_BY(mu_);
  bool stopping_ GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace rse
