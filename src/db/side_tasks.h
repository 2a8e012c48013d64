// Runs blocking calls that must not hold up their caller (a cancel request to
// a server that may be hung) on threads of their own. The destructor waits up
// to `grace` for those still running, so that none outlives what it uses (the
// MySQL driver is a static singleton); one still blocked after that is left
// running, and must own everything it touches. At most one task per key runs
// at a time: a server that never answers a cancel holds one thread (and its
// sockets), not one per statement cancelled. Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>

#include "base/mutex.h"

namespace rse {

class SideTasks {
 public:
  explicit SideTasks(std::chrono::milliseconds grace);
  ~SideTasks();
  SideTasks(const SideTasks&) = delete;
  SideTasks& operator=(const SideTasks&) = delete;

  // Runs `task` on a thread of its own, unless a task with the same key
  // still runs: then it is dropped and Run returns false.
  bool Run(const std::string& key, std::function<void()> task);

 private:
  // Shared with the threads, so one left running never touches a destroyed owner.
  struct State {
    Mutex mu;
    CondVar done;
    int running GUARDED_BY(mu) = 0;
    std::set<std::string> keys GUARDED_BY(mu);  // Of the tasks running.
  };
  const std::chrono::milliseconds grace_;
  const std::shared_ptr<State> state_ = std::make_shared<State>();
};

}  // namespace rse
