#include "db/session_guard.h"

#include <string>
#include <utility>

namespace rse {

Status SessionGuard::BeginStatement(const Deadline& deadline) {
  // Under a millisecond left counts as none: a zero statement limit means "no limit".
  if (deadline.Remaining(*clock_).count() <= 0)
    return Status::DeadlineExceeded("no time left before the deadline");
  MutexLock lock(&mu_);
  if (!usable_)
    return Status::Unavailable(std::string(engine_) + ": session was cancelled or broken");
  in_statement_ = true;
  return Status::Ok();
}

bool SessionGuard::EndStatement() {
  MutexLock lock(&mu_);
  in_statement_ = false;
  return std::exchange(cancelled_in_statement_, false);
}

void SessionGuard::RunBatch(
    size_t count, const std::function<size_t(size_t first, const WatchStatement& watch)>& round) {
  for (size_t next = 0; next < count;) {
    {
      MutexLock lock(&mu_);
      if (!usable_) return;
      in_statement_ = true;
    }
    std::optional<CancelWatchdog::Guard> cancel;
    std::optional<CancelWatchdog::Guard> abort;
    const WatchStatement watch = [&](const Deadline& deadline) {
      abort.reset();
      cancel.reset();
      cancel.emplace(watchdog_->Watch(deadline.at() + kCancelGrace, cancel_on_server_));
      abort.emplace(watchdog_->Watch(deadline.at() + kCancelGrace + kAbortGrace,
                                     [this] { AbortUnanswered(); }));
    };
    next = round(next, watch);
    abort.reset();
    cancel.reset();
    EndStatement();
  }
}

Status SessionGuard::StoppedOr(bool stopped, Status status) const {
  if (!stopped || status.code() != Status::Code::kUnavailable) return status;
  return Status::DeadlineExceeded(std::string(engine_) +
                                  ": stopped at its deadline; the server did not answer in time "
                                  "and the session was closed");
}

bool SessionGuard::CancelledInStatement() const {
  MutexLock lock(&mu_);
  return cancelled_in_statement_;
}

bool SessionGuard::RequestCancel() {
  MutexLock lock(&mu_);
  usable_ = false;
  if (in_statement_) cancelled_in_statement_ = true;
  return in_statement_;
}

void SessionGuard::MarkBroken() {
  MutexLock lock(&mu_);
  usable_ = false;
}

void SessionGuard::AbortUnanswered() {
  {
    MutexLock lock(&mu_);
    unresponsive_ = true;
  }
  abort_();
}

bool SessionGuard::Unresponsive() const {
  MutexLock lock(&mu_);
  return unresponsive_;
}

bool SessionGuard::Usable() const {
  MutexLock lock(&mu_);
  return usable_;
}

}  // namespace rse
