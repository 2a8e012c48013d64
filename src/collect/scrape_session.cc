#include "collect/scrape_session.h"

namespace rse {

StatusOr<Lease> ScrapeSession::Open() {
  auto lease = pool_->AcquireForScrape(deadline_);
  if (lease.ok()) {
    std::optional<double> lag = pool_->lag(lease->member());
    MutexLock lock(&mu_);
    member_ = lease->member();
    lag_ = lag;
  }
  return lease;
}

StatusOr<Lease> ScrapeSession::AcquireIn(size_t member, const std::string& database,
                                         const Deadline& deadline) {
  return pool_->AcquireMore(member, deadline, database);
}

StatusOr<Lease> ScrapeSession::AcquireMore() {
  std::optional<size_t> member;
  {
    MutexLock lock(&mu_);
    member = member_;
  }
  if (!member) return Status::Unavailable("the scrape has no serving replica");
  auto more = pool_->AcquireMore(*member, deadline_);
  if (more.ok() || more.status().code() != Status::Code::kUnavailable) return more;
  // The serving replica cannot open another session (it stopped answering,
  // or its address now swallows connects): the scrape moves on, as when a
  // running query's session breaks.
  MutexLock one_at_a_time(&failover_mu_);
  return MoveFrom(*member, more.status());
}

StatusOr<Lease> ScrapeSession::RetryElsewhere(size_t member) {
  std::set<size_t> exclude;
  {
    MutexLock lock(&mu_);
    exclude = tried_;
  }
  exclude.insert(member);
  auto lease = pool_->AcquireForScrape(deadline_, exclude);
  if (lease.ok()) {
    MutexLock lock(&mu_);
    retried_elsewhere_ = true;
  }
  return lease;
}

StatusOr<Lease> ScrapeSession::FailOver(Lease failed, const Status& error) {
  // One failover at a time per scrape: workers that lose the same replica
  // together must not each pick a different successor.
  MutexLock one_at_a_time(&failover_mu_);
  const size_t from = failed.member();
  if (error.code() == Status::Code::kFailedPrecondition) {
    // The session reached a primary. Behind a load balancer that condemns the
    // session, not the address: a new session there (probed first) serves on.
    { Lease wrong = std::move(failed); }
    bool replace = pool_->RejectSession(from, error);
    {
      MutexLock lock(&mu_);
      replace = replace && member_ == from && replacements_ < kMaxReplacements;
      if (replace) ++replacements_;
    }
    if (replace) return pool_->AcquireMore(from, deadline_);
  }
  { Lease broken = std::move(failed); }  // Dropped now: the pool discards an unusable session.
  return MoveFrom(from, error);
}

StatusOr<Lease> ScrapeSession::MoveFrom(size_t from, const Status& error) {
  std::set<size_t> exclude;
  std::optional<size_t> moved_to;
  {
    MutexLock lock(&mu_);
    tried_.insert(from);
    if (member_ != from) moved_to = member_;
    exclude = tried_;
  }
  if (moved_to) return pool_->AcquireMore(*moved_to, deadline_);  // Another worker moved us.
  if (error.code() != Status::Code::kFailedPrecondition) pool_->MarkDown(from, error);
  auto next = pool_->AcquireForScrape(deadline_, exclude);
  if (!next.ok()) return next;
  logger_->Info("failing over mid-scrape",
                {{"from", pool_->label(from)}, {"to", pool_->label(next->member())}});
  std::optional<double> lag = pool_->lag(next->member());
  MutexLock lock(&mu_);
  member_ = next->member();
  lag_ = lag;
  return next;
}

void ScrapeSession::CountRecoveryConflict(size_t member) { pool_->CountRecoveryConflict(member); }

void ScrapeSession::ReportDown(size_t member, const Status& error) {
  pool_->MarkDown(member, error);
}

std::string ScrapeSession::Label(size_t member) const { return pool_->label(member); }

bool ScrapeSession::AnyInRotation() const { return pool_->AnyInRotation(); }

bool ScrapeSession::AnotherInRotation(size_t member) const {
  return pool_->AnyInRotation(member);
}

std::vector<MemberSnapshot> ScrapeSession::Members() const { return pool_->Snapshot(); }

std::optional<ScrapeSession::Serving> ScrapeSession::serving() const {
  MutexLock lock(&mu_);
  if (!member_) return std::nullopt;
  return Serving{pool_->label(*member_), lag_, !tried_.empty() || retried_elsewhere_};
}

}  // namespace rse
