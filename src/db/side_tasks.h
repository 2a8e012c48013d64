// Runs blocking calls that must not hold up their caller (a cancel request to
// a server that may be hung) on threads of their own. The destructor waits up
// to `grace` for those still running, so that none outlives what it uses (the
// MySQL driver is a static singleton); one still blocked after that is left
// running, and must own everything it touches. Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "base/mutex.h"

namespace rse {

class SideTasks {
 public:
  explicit SideTasks(std::chrono::milliseconds grace);
  ~SideTasks();
  SideTasks(const SideTasks&) = delete;
  SideTasks& operator=(const SideTasks&) = delete;

  void Run(std::function<void()> task);

 private:
  // Shared with the threads, so one left running never touches a destroyed owner.
  struct State {
    Mutex mu;
    CondVar done;
    int running GUARDED_BY(mu) = 0;
  };
  const std::chrono::milliseconds grace_;
  const std::shared_ptr<State> state_ = std::make_shared<State>();
};

}  // namespace rse
