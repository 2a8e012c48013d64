// What both backends do around every statement on one session: refuse it
// when no time is left or the session is no longer usable, arm the watchdog
// to cancel it on the server kCancelGrace after its deadline, and know whether
// a statement runs, so that a cancel from another thread reaches only a
// running one. Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <optional>

#include "base/clock.h"
#include "base/deadline.h"
#include "base/mutex.h"
#include "base/status.h"
#include "db/cancel_watchdog.h"

namespace rse {

// How long after the deadline the active cancel fires: the server-side
// statement limit normally stops the statement first and keeps the session.
inline constexpr std::chrono::milliseconds kCancelGrace{100};
// How long after the cancel the session's socket is broken, when the server
// has not answered even that: it is not answering at all.
inline constexpr std::chrono::milliseconds kAbortGrace{400};

class SessionGuard {
 public:
  // `cancel_on_server` and `abort` are the connection's Cancel() and Abort():
  // the watchdog calls them, kCancelGrace and kCancelGrace + kAbortGrace
  // after a statement's deadline.
  SessionGuard(const char* engine, const Clock* clock, CancelWatchdog* watchdog,
               std::function<void()> cancel_on_server, std::function<void()> abort)
      : engine_(engine),
        clock_(clock),
        watchdog_(watchdog),
        cancel_on_server_(std::move(cancel_on_server)),
        abort_(std::move(abort)) {}
  SessionGuard(const SessionGuard&) = delete;
  SessionGuard& operator=(const SessionGuard&) = delete;

  // Runs `body(remaining)` as one statement bounded by `deadline`.
  // DeadlineExceeded when no time is left, or when the watchdog had to stop
  // the statement (whatever the driver then said); Unavailable once the
  // session failed or was cancelled. `body` catches its driver's exceptions.
  template <typename T>
  StatusOr<T> Run(const Deadline& deadline,
                  const std::function<StatusOr<T>(std::chrono::milliseconds remaining)>& body) {
    if (Status begun = BeginStatement(deadline); !begun.ok()) return begun;
    StatusOr<T> result = Status::Internal("unreached");
    {
      CancelWatchdog::Guard cancel =
          watchdog_->Watch(deadline.at() + kCancelGrace, cancel_on_server_);
      CancelWatchdog::Guard abort =
          watchdog_->Watch(deadline.at() + kCancelGrace + kAbortGrace, [this] { AbortUnanswered(); });
      result = body(deadline.Remaining(*clock_));
    }
    const bool stopped = EndStatement();
    if (!result.ok()) return StoppedOr(stopped, result.status());
    return result;
  }

  // What a statement's failure `status` is after the watchdog did (`stopped`)
  // or did not stop it: a session our own cancel or abort broke ran out of time.
  Status StoppedOr(bool stopped, Status status) const;

  // `count` statements sent together (see Connection::StreamBatch), in
  // rounds: `round(first, watch)` sends statements first... in one message,
  // reads them, and returns where the next round starts (past one that
  // failed, the server ran none after it). It calls `watch(deadline)` before
  // it waits for each one, which replaces the previous one's watch, so each
  // is cancelled at its own deadline. Stops when the session is no longer
  // usable: the rest did not run.
  using WatchStatement = std::function<void(const Deadline&)>;
  void RunBatch(size_t count,
                const std::function<size_t(size_t first, const WatchStatement& watch)>& round);
  // True while a statement of RunBatch runs, once the watchdog cancelled it.
  bool CancelledInStatement() const;

  // Marks the session unusable. True when a statement runs, which the caller
  // must now stop on the server.
  bool RequestCancel();
  void MarkBroken();
  bool Usable() const;
  // True once the watchdog broke a statement's socket: the server answered
  // neither the statement nor its cancel. A verdict on the member (black
  // hole, hung server), where a plain timeout is only one on the query.
  bool Unresponsive() const;

 private:
  // The abort watchdog's action: remembers why, then breaks the socket.
  void AbortUnanswered();
  Status BeginStatement(const Deadline& deadline);
  // True when a cancel was requested while the statement ran.
  bool EndStatement();

  const char* const engine_;
  const Clock* const clock_;
  CancelWatchdog* const watchdog_;
  const std::function<void()> cancel_on_server_;
  const std::function<void()> abort_;
  mutable Mutex mu_;
  bool usable_ GUARDED_BY(mu_) = true;
  bool in_statement_ GUARDED_BY(mu_) = false;
  bool cancelled_in_statement_ GUARDED_BY(mu_) = false;
  bool unresponsive_ GUARDED_BY(mu_) = false;
};

}  // namespace rse
