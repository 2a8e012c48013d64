// Runs blocking calls that must not hold up their caller (a cancel request to
// a server that may be hung) on threads of their own. The destructor waits up
// to `grace` for those still running, so that none outlives what it uses (the
// MySQL driver is a static singleton); one still blocked after that is left
// running, and must own everything it touches. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>

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
    std::mutex mu;
    std::condition_variable done;
    int running = 0;  // Guarded by mu.
  };
  const std::chrono::milliseconds grace_;
  const std::shared_ptr<State> state_ = std::make_shared<State>();
};

}  // namespace rse
