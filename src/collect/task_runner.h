// Runs tasks on threads of their own and joins them all on destruction, so
// work that outlives a scrape (a slow cached refresh) is never detached.
// Thread-safe.
#pragma once

#include <functional>
#include <list>
#include <mutex>
#include <thread>

namespace rse {

class TaskRunner {
 public:
  TaskRunner() = default;
  ~TaskRunner();
  TaskRunner(const TaskRunner&) = delete;
  TaskRunner& operator=(const TaskRunner&) = delete;

  void Run(std::function<void()> task);

 private:
  struct Worker {
    std::thread thread;
    bool done = false;  // Guarded by mu_.
  };
  void ReapFinished();  // Requires mu_ held.

  std::mutex mu_;
  std::list<Worker> workers_;  // Guarded by mu_.
};

}  // namespace rse
