// Counts events that happen on other threads (engine hooks, watchdog
// callbacks) and lets a test wait for the n-th. The wait's ceiling only keeps a
// broken test from hanging; it is not a timing assertion. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>

namespace rse::testing {

class EventCounter {
 public:
  void Add() {
    std::lock_guard<std::mutex> lock(mu_);
    ++count_;
    changed_.notify_all();
  }
  // For hooks that take an argument, e.g. the query name.
  std::function<void(const std::string&)> Hook() {
    return [this](const std::string&) { Add(); };
  }
  std::function<void()> Callback() {
    return [this] { Add(); };
  }
  bool AwaitCount(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    return changed_.wait_for(lock, std::chrono::seconds(60), [&] { return count_ >= n; });
  }
  int count() {
    std::lock_guard<std::mutex> lock(mu_);
    return count_;
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  int count_ = 0;
};

}  // namespace rse::testing
