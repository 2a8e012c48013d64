// One scrape's hold on the replica pool: the replica serving it, its
// deadline, and the members that already failed it. The scrape's workers
// share one session; on a connection error, FailOver() moves the whole
// scrape to the next healthy replica within the same deadline. Thread-safe.
#pragma once

#include <optional>
#include <set>
#include <string>

#include "base/deadline.h"
#include "base/log.h"
#include "base/mutex.h"
#include "pool/replica_pool.h"

namespace rse {

class ScrapeSession {
 public:
  ScrapeSession(ReplicaPool* pool, Deadline deadline, Logger* logger)
      : pool_(pool), deadline_(deadline), logger_(logger) {}
  ScrapeSession(const ScrapeSession&) = delete;
  ScrapeSession& operator=(const ScrapeSession&) = delete;

  const Deadline& deadline() const { return deadline_; }

  // Which replica serves this scrape now, the lag its probe measured just
  // before it was chosen, and whether the scrape moved mid-way.
  struct Serving {
    std::string replica;
    std::optional<double> lag_seconds;
    bool mixed = false;  // Some query ran elsewhere: a failover, or a retry.
  };
  std::optional<Serving> serving() const;  // nullopt until Open() succeeded.

  // The first lease: a probed, healthy replica that will serve this scrape.
  // Unavailable with every member's reason when there is none.
  StatusOr<Lease> Open();

  // One more connection to the serving replica, for a parallel worker. When
  // that replica cannot open one (Unavailable), it is reported down and the
  // scrape moves to the next healthy replica, as FailOver() does.
  StatusOr<Lease> AcquireMore();

  // A session of `member` in `database`, for one database of a fan-out
  // query, by `deadline`. Its failure is that database's, not a verdict on
  // the member: the scrape stays where it is.
  StatusOr<Lease> AcquireIn(size_t member, const std::string& database, const Deadline& deadline);

  // A healthy replica other than `member`, for one query that `member`
  // could not run (a recovery conflict there); the scrape stays where it is.
  StatusOr<Lease> RetryElsewhere(size_t member);

  // `failed`'s session broke with `error`. Its replica is reported down and
  // this scrape moves to the next healthy replica not yet tried; a worker
  // whose replica was already left behind just follows the move. A session
  // that reached a primary (FailedPrecondition) behind a load balancer is
  // replaced by a new one to the same address, at most kMaxReplacements times
  // a scrape; directly, the replica is a primary and the scrape moves.
  StatusOr<Lease> FailOver(Lease failed, const Status& error);

  // The other verdicts a scrape reaches on a member: it cancelled a query to
  // replay changes (counted; the member stays in), or it failed a query that
  // was retried there (down, as FailOver reports the serving one).
  void CountRecoveryConflict(size_t member);
  void ReportDown(size_t member, const Status& error);

  // What the scrape says about the pool: a member's label, whether any member
  // is in the rotation (when the scrape needed none), every member's state.
  std::string Label(size_t member) const;
  bool AnyInRotation() const;
  // Whether a member other than `member` is in the rotation: somewhere a
  // query `member` stalls under could run again.
  bool AnotherInRotation(size_t member) const;
  std::vector<MemberSnapshot> Members() const;

 private:
  // Leaves `from` (failed with `error`) for the next healthy replica not yet
  // tried, or follows another worker that already left it. Requires
  // failover_mu_ held.
  StatusOr<Lease> MoveFrom(size_t from, const Status& error);

  ReplicaPool* const pool_;
  const Deadline deadline_;
  Logger* const logger_;

  Mutex failover_mu_;  // Held across one FailOver(), I/O included.
  mutable Mutex mu_;
  std::optional<size_t> member_ GUARDED_BY(mu_);  // The replica serving this scrape.
  std::optional<double> lag_ GUARDED_BY(mu_);  // Its probed lag when chosen.
  std::set<size_t> tried_ GUARDED_BY(mu_);  // Members that failed this scrape.
  bool retried_elsewhere_ GUARDED_BY(mu_) = false;
  int replacements_ GUARDED_BY(mu_) = 0;
  static constexpr int kMaxReplacements = 8;
};

}  // namespace rse
