// Mutex, MutexLock and CondVar: std::mutex and std::condition_variable with
// clang's thread-safety annotations (libstdc++'s carry none), so GUARDED_BY
// and REQUIRES are checked. Waits take no predicate: callers loop, which the
// analysis can see holds the lock.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "base/thread_annotations.h"

namespace rse {

class CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() ACQUIRE() { mu_.lock(); }
  void Unlock() RELEASE() { mu_.unlock(); }
  bool TryLock() TRY_ACQUIRE(true) { return mu_.try_lock(); }

 private:
  friend class CondVar;
  friend class MutexLock;
  friend class MutexLockPair;
  std::mutex mu_;
};

// Holds one mutex for its scope; Unlock()/Lock() release and take it again
// in the middle (I/O outside the lock).
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex* mu) ACQUIRE(mu) : mu_(mu) { mu_->Lock(); }
  ~MutexLock() RELEASE() {
    if (held_) mu_->Unlock();
  }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  void Unlock() RELEASE() {
    mu_->Unlock();
    held_ = false;
  }
  void Lock() ACQUIRE() {
    mu_->Lock();
    held_ = true;
  }

 private:
  Mutex* const mu_;
  bool held_ = true;
};

// Holds two mutexes for its scope, taken without deadlock (std::lock).
class SCOPED_CAPABILITY MutexLockPair {
 public:
  MutexLockPair(Mutex* a, Mutex* b) ACQUIRE(a, b) : a_(a), b_(b) { std::lock(a_->mu_, b_->mu_); }
  ~MutexLockPair() RELEASE() {
    a_->mu_.unlock();
    b_->mu_.unlock();
  }
  MutexLockPair(const MutexLockPair&) = delete;
  MutexLockPair& operator=(const MutexLockPair&) = delete;

 private:
  Mutex* const a_;
  Mutex* const b_;
};

// Waits release the given mutex, which the caller holds, and hold it again
// on return. Spurious wake-ups happen: callers recheck their condition.
class CondVar {
 public:
  void Wait(Mutex* mu) REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu->mu_, std::adopt_lock);
    cv_.wait(lock);
    lock.release();
  }
  // False when `at` passed.
  template <typename Clock, typename Duration>
  bool WaitUntil(Mutex* mu, std::chrono::time_point<Clock, Duration> at) REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu->mu_, std::adopt_lock);
    const bool woke = cv_.wait_until(lock, at) == std::cv_status::no_timeout;
    lock.release();
    return woke;
  }
  template <typename Rep, typename Period>
  bool WaitFor(Mutex* mu, std::chrono::duration<Rep, Period> d) REQUIRES(mu) {
    // Same as libstdc++'s wait_for: a wait measured on the steady clock.
    return WaitUntil(mu, std::chrono::steady_clock::now() + d);
  }
  void Signal() { cv_.notify_one(); }
  void SignalAll() { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

}  // namespace rse
