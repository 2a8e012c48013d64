// The state both backends keep about one session: whether it may still run
// statements, and whether one runs now, so that a cancel sent from the
// watchdog's thread reaches only a running statement. Thread-safe.
#pragma once

#include <mutex>

#include "base/deadline.h"
#include "base/status.h"

namespace rse {

class SessionGuard {
 public:
  // OK and marks a statement running; DeadlineExceeded when no time is left;
  // Unavailable once the session failed or was cancelled.
  Status BeginStatement(const Deadline& deadline, const char* engine);
  void EndStatement();

  // Marks the session unusable. True when a statement runs, which the caller
  // must now stop on the server.
  bool RequestCancel();
  void MarkBroken();
  bool Usable() const;

 private:
  mutable std::mutex mu_;
  bool usable_ = true;         // Guarded by mu_.
  bool in_statement_ = false;  // Guarded by mu_.
};

}  // namespace rse
