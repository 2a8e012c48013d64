// Cancels statements still running when their deadline passes, so nothing a
// scrape started outlives it on the server. One thread, sleeping until the
// earliest deadline it watches by `clock`; started with the owner, stopped
// with it. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <thread>

#include "base/clock.h"
#include "base/mutex.h"

namespace rse {

class CancelWatchdog {
 public:
  explicit CancelWatchdog(const Clock* clock);
  ~CancelWatchdog();
  CancelWatchdog(const CancelWatchdog&) = delete;
  CancelWatchdog& operator=(const CancelWatchdog&) = delete;

  // Calls `cancel` once at `at` (steady clock) unless the returned guard is
  // destroyed first. The guard's destructor waits for a cancel in progress.
  class Guard {
   public:
    Guard(CancelWatchdog* owner, uint64_t id) : owner_(owner), id_(id) {}
    Guard(Guard&& other) noexcept : owner_(other.owner_), id_(other.id_) { other.owner_ = nullptr; }
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;
    ~Guard();

   private:
    CancelWatchdog* owner_;
    uint64_t id_;
  };
  [[nodiscard]] Guard Watch(TimePoint at, std::function<void()> cancel);

  // Looks at the clock again now. Only a clock other than the system's needs
  // it (a fake one moved by a test): the system clock wakes the thread itself.
  void Recheck();

 private:
  struct Entry {
    TimePoint at;
    std::function<void()> cancel;
  };
  void Run();
  void Forget(uint64_t id);

  const Clock* const clock_;
  Mutex mu_;
  CondVar changed_;
  std::map<uint64_t, Entry> entries_ GUARDED_BY(mu_);
  uint64_t next_id_ GUARDED_BY(mu_) = 1;
  uint64_t firing_id_ GUARDED_BY(mu_) = 0;  // The entry whose cancel runs now.
  // When the thread next looks at the entries by itself (max: only when
  // told); a Watch() due before then wakes it.
  TimePoint wake_at_ GUARDED_BY(mu_) = TimePoint::max();
  bool stopping_ GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace rse
