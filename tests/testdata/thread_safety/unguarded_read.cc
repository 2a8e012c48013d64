// For tests/CMakeLists.txt: clang's analysis must reject this file (a member
// GUARDED_BY a mutex read without it), proving the check can fail.
#include "base/mutex.h"

namespace rse {

class Counter {
 public:
  void Add() {
    MutexLock lock(&mu_);
    ++count_;
  }
  int UnguardedRead() const { return count_; }

 private:
  mutable Mutex mu_;
  int count_ GUARDED_BY(mu_) = 0;
};

}  // namespace rse
