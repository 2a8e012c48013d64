// ReplicaPool's choice of a member for a scrape: the rotation, each probe and
// its verdict, and the look for master election.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <limits>

#include "base/worker_pool.h"
#include "pool/pool_slot.h"
#include "pool/replica_pool.h"

namespace rse {
namespace {

// Members probed at once by CheckForMasterElection.
constexpr size_t kParallelChecks = 8;

}  // namespace

Deadline ReplicaPool::ProbeDeadline(const Deadline& deadline, bool* verdict_if_silent) const {
  const Deadline limit = deadline.Min(Deadline::After(*clock_, options_.probe_timeout));
  const bool full_probe_time = limit.at() < deadline.at();  // probe_timeout, not the scrape, binds.
  // A probe that hangs is aborted kSessionAbortAfter past its deadline. When
  // that would land past `deadline` (this member's share of the scrape), the
  // probe's deadline comes that much earlier, if it still leaves the probe
  // time to answer.
  Deadline probe_deadline = limit;
  if (limit.at() + kSessionAbortAfter > deadline.at() &&
      deadline.Remaining(*clock_) >= kSessionAbortAfter + kMinProbeTime) {
    probe_deadline = Deadline(deadline.at() - kSessionAbortAfter);
  }
  // Silence from a probe given its full time, or enough for a healthy server
  // to answer, is a verdict on the member; from a shorter one it is not.
  *verdict_if_silent = full_probe_time || probe_deadline.Remaining(*clock_) >= kMinProbeTime;
  return probe_deadline;
}

std::optional<Lease> ReplicaPool::ProbeAndJudge(size_t member, StatusOr<Lease> taken,
                                                const Deadline& deadline, Judgement* judgement) {
  const std::string& label = members_[member].label;
  // Running out of this scrape's own budget says nothing about the member:
  // one client sending a tiny timeout header must not mark replicas down for all.
  auto out_of_budget = [&](const Status& status) -> std::optional<Lease> {
    judgement->reasons.push_back(label + ": not judged: " + status.message() +
                                 " (the scrape's budget ran out)");
    return std::nullopt;
  };
  // No session to probe: the member is down, unless the budget ran out.
  auto not_opened = [&](const Status& status) -> std::optional<Lease> {
    if (status.code() == Status::Code::kDeadlineExceeded) return out_of_budget(status);
    MarkDown(member, status);
    judgement->reasons.push_back(label + ": down: " + status.message());
    return std::nullopt;
  };
  if (!taken.ok()) return not_opened(taken.status());
  bool verdict_if_silent = false;
  const Deadline probe_deadline = ProbeDeadline(deadline, &verdict_if_silent);
  const TimePoint probe_started = clock_->Now();
  auto probe = Probe(taken->connection(), probe_deadline);
  // Only a session that failed at once was closed while idle; one that ran
  // into its deadline found the member hung: no second session for it now.
  const bool failed_at_once = clock_->Now() - probe_started < kMinProbeTime;
  if (!probe.ok() && probe.status().code() == Status::Code::kUnavailable && taken->reused() &&
      failed_at_once) {
    // A session closed while it sat idle (idle_session_timeout, wait_timeout,
    // a pooler, NAT, an administrator) says nothing about the member: its idle
    // siblings are suspect too, so they go, and one new session is probed.
    DropIdle(member);
    { Lease broken = std::move(*taken); }
    std::optional<StatusOr<Lease>> fresh = TryTake(member, deadline);
    if (!fresh) {
      judgement->reasons.push_back(label + ": busy");
      return std::nullopt;
    }
    if (!fresh->ok()) return not_opened(fresh->status());
    taken = std::move(*fresh);
    probe = Probe(taken->connection(), probe_deadline);
  }
  if (probe.ok()) {
    NoteServer(member, probe->server);
    ProbeBehindBalancer(member, taken, probe, probe_deadline, deadline);
  }
  if (!taken.ok()) return not_opened(taken.status());
  if (!probe.ok()) {
    if (probe.status().code() == Status::Code::kDeadlineExceeded && !verdict_if_silent)
      return out_of_budget(probe.status());
    MarkDown(member, Status::Unavailable("probe failed: " + probe.status().message()));
    judgement->reasons.push_back(label + ": down: probe failed: " + probe.status().message());
    return std::nullopt;
  }
  return Judge(member, std::move(*taken), *probe, judgement);
}

std::optional<Lease> ReplicaPool::Judge(size_t member, Lease taken, const ReplicaState& probe,
                                        Judgement* judgement) {
  const std::string& label = members_[member].label;
  const HealthVerdict verdict = JudgeProbe(probe, options_.max_replication_lag);
  if (Record(member, verdict, probe.lag_seconds)) return taken;
  if (verdict.state == MemberState::kRefused) RefuseCluster(member, verdict.reason);
  std::string reason;
  {
    MutexLock lock(&mu_);
    reason = std::string(MemberStateName(slots_[member].health.state())) + ": " +
             slots_[member].health.reason();
  }
  judgement->reasons.push_back(label + ": " + reason);
  if (verdict.stream_down && !judgement->fallback) {
    judgement->fallback = std::move(taken);
  } else if (verdict.state == MemberState::kLagging || verdict.state == MemberState::kHealthy) {
    // A verified replica out of the rotation: the candidate if every member lags.
    const double lag = probe.lag_seconds.value_or(std::numeric_limits<double>::infinity());
    if (!judgement->least_lagged || lag < judgement->least_lag) {
      judgement->least_lagged = std::move(taken);
      judgement->least_lag = lag;
    }
  }
  return std::nullopt;
}

StatusOr<ReplicaState> ReplicaPool::Probe(Connection& connection, const Deadline& deadline) {
  const TimePoint started = clock_->Now();
  StatusOr<ReplicaState> probe = connection.Probe(deadline);
  const auto took = clock_->Now() - started;
  // An answer that came after probe_timeout (the server-side limit and the
  // cancel allow a little past it) is from a server too slow to serve: a
  // replica that adds a second to every statement would miss the scrape's
  // deadline with its queries.
  if (probe.ok() && took > options_.probe_timeout) {
    char message[128];
    std::snprintf(message, sizeof message, "answered after %.3f s, over probe_timeout (%.3f s)",
                  std::chrono::duration<double>(took).count(),
                  std::chrono::duration<double>(options_.probe_timeout).count());
    return Status::Unavailable(message);
  }
  return probe;
}

Deadline ReplicaPool::ShareOf(const Deadline& deadline, size_t members_left) const {
  if (members_left <= 1) return deadline;
  const auto each = deadline.Remaining(*clock_) / static_cast<int64_t>(members_left);
  return deadline.Min(Deadline::After(*clock_, each));
}

std::vector<size_t> ReplicaPool::TryOrder(const std::vector<size_t>& order,
                                          const std::set<size_t>& exclude,
                                          const Deadline& deadline, Judgement* judgement) {
  std::vector<size_t> tries;
  {
    MutexLock lock(&mu_);
    std::vector<size_t> up;
    std::vector<size_t> retries;
    for (size_t member : order) {
      if (exclude.count(member)) continue;
      const Slot& slot = slots_[member];
      const MemberState state = slot.health.state();
      const bool down = state == MemberState::kDown || state == MemberState::kPrimary;
      if (down && clock_->Now() < slot.retry_after) {
        judgement->reasons.push_back(slot.member.label + ": " + MemberStateName(state) + ": " +
                                    slot.health.reason() + " (retried after a backoff)");
        continue;
      }
      tries.push_back(member);
      (down ? retries : up).push_back(member);
    }
    const auto judgeable = (kSessionAbortAfter + kMinProbeTime) * static_cast<int64_t>(tries.size());
    if (!retries.empty() && deadline.Remaining(*clock_) < judgeable) {
      tries = up;
      tries.insert(tries.end(), retries.begin(), retries.end());
    }
  }
  return tries;
}

StatusOr<Lease> ReplicaPool::AcquireForScrape(const Deadline& deadline,
                                              const std::set<size_t>& exclude) {
  std::vector<size_t> order;
  {
    MutexLock lock(&mu_);
    if (!cluster_refused_.empty()) return Status::Unavailable(RefusalReason());
    if (slots_.empty())
      return Status::Unavailable("no replica known: the replica names do not resolve yet");
    for (size_t i = 0; i < slots_.size(); ++i) order.push_back((next_ + i) % slots_.size());
    next_ = (next_ + 1) % slots_.size();
  }
  Judgement judgement;
  std::vector<size_t> busy;
  const std::vector<size_t> tries = TryOrder(order, exclude, deadline, &judgement);
  for (size_t i = 0; i < tries.size(); ++i) {
    const size_t member = tries[i];
    {
      MutexLock lock(&mu_);
      if (!cluster_refused_.empty()) return Status::Unavailable(RefusalReason());
    }
    // A member that hangs (connect, TLS, authentication, probe) must leave
    // time for the others: each try may take an equal share of what is left
    // among the members still to try; the last one may take all of it.
    const Deadline share = ShareOf(deadline, tries.size() - i);
    auto taken = TryTake(member, share);
    if (!taken) {
      busy.push_back(member);
      continue;
    }
    if (auto lease = ProbeAndJudge(member, std::move(*taken), share, &judgement))
      return Served(std::move(*lease));
  }
  // Every slot of these members is serving other scrapes: wait for one.
  for (size_t member : busy) {
    auto taken = AcquireMore(member, deadline);
    if (!taken.ok()) {
      judgement.reasons.push_back(members_[member].label +
                                  ": busy: " + taken.status().message());
      continue;
    }
    if (auto lease = ProbeAndJudge(member, std::move(taken), deadline, &judgement))
      return Served(std::move(*lease));
  }
  return WhenNoneServes(&judgement);
}

StatusOr<Lease> ReplicaPool::WhenNoneServes(Judgement* judgement) {
  {
    MutexLock lock(&mu_);
    if (!cluster_refused_.empty()) return Status::Unavailable(RefusalReason());
  }
  if (judgement->fallback) {
    // No member streams (the primary is down): the replicas still hold the
    // last committed data, and the lag metrics say how old it is.
    return Served(std::move(*judgement->fallback));
  }
  if (judgement->least_lagged && options_.when_all_lagging == WhenAllLagging::kLeastLagged) {
    // Every verified replica is out of the rotation: serve the freshest, and
    // let the freshness metrics say how old its data is. Never a primary.
    return Served(std::move(*judgement->least_lagged));
  }
  std::string all;
  for (const std::string& r : judgement->reasons) all += (all.empty() ? "" : "; ") + r;
  return Status::Unavailable("no healthy replica: " +
                             (all.empty() ? std::string("every member was excluded") : all));
}

Lease ReplicaPool::Served(Lease lease) {
  MutexLock lock(&mu_);
  ++slots_[lease.member()].scrapes_served;
  return lease;
}

StatusOr<Lease> ReplicaPool::VerifyOpened(size_t member, Lease lease, const Deadline& deadline) {
  const Deadline probe_deadline = deadline.Min(Deadline::After(*clock_, options_.probe_timeout));
  StatusOr<Lease> taken = std::move(lease);
  StatusOr<ReplicaState> probe = Probe(taken->connection(), probe_deadline);
  if (probe.ok()) {
    NoteServer(member, probe->server);
    ProbeBehindBalancer(member, taken, probe, probe_deadline, deadline);
  }
  if (!taken.ok()) return taken.status();
  if (!probe.ok()) return Status::Unavailable("probe failed: " + probe.status().message());
  const HealthVerdict verdict = JudgeProbe(*probe, options_.max_replication_lag);
  const bool unfit = verdict.state == MemberState::kPrimary ||
                     verdict.state == MemberState::kRefused ||
                     (BehindBalancer(member) && verdict.state != MemberState::kHealthy);
  if (!unfit) return taken;  // A member chosen for this scrape: lag was judged on its first session.
  Record(member, verdict, probe->lag_seconds);
  if (verdict.state == MemberState::kRefused) RefuseCluster(member, verdict.reason);
  taken->Discard();
  return Status::FailedPrecondition(members_[member].label + ": " +
                                    MemberStateName(verdict.state) + ": " + verdict.reason);
}

Status ReplicaPool::CheckForMasterElection(const Deadline& deadline) {
  // Up to kParallelChecks members at once: with 32 members a start or a
  // reload waits for four rounds of probes, not 32 probes in a row, and a
  // member that does not answer holds up the others' probes no longer.
  std::atomic<size_t> next{0};
  auto check = [this, &next, &deadline] {
    for (size_t member = next++; member < members_.size(); member = next++) {
      auto taken = TryTake(member, deadline);
      if (!taken) continue;
      Judgement judgement;
      ProbeAndJudge(member, std::move(*taken), deadline, &judgement);
    }
  };
  const size_t at_once = std::min(members_.size(), kParallelChecks);
  if (at_once > 1) {
    const size_t helpers = at_once - 1;
    WorkerPool pool(helpers, helpers, std::chrono::seconds(30), "rse-check");
    for (size_t i = 0; i < helpers; ++i) pool.Run(check);
    check();
    pool.Shutdown();  // Joins the helpers: every member has answered.
  } else {
    check();
  }
  MutexLock lock(&mu_);
  if (!cluster_refused_.empty()) return Status::InvalidArgument(RefusalReason());
  return Status::Ok();
}

}  // namespace rse
