// ReplicaPool's member states: recording verdicts, adopting members after a
// reload, and what metrics show (sessions: pool_sessions.cc).
#include "pool/replica_pool.h"

#include <algorithm>
#include <utility>

#include "pool/pool_slot.h"

namespace rse {

ReplicaPool::ReplicaPool(std::vector<Member> members, PoolOptions options, Backend* backend,
                         const Clock* clock, Logger* logger)
    : options_(std::move(options)), backend_(backend), clock_(clock), logger_(logger),
      members_(members) {
  slots_.reserve(members.size());
  const TimePoint now = clock_->Now();
  for (Member& member : members) {
    slots_.emplace_back(std::move(member), options_.rise, options_.fall);
    slots_.back().state_since = now;
  }
}

ReplicaPool::~ReplicaPool() = default;

size_t ReplicaPool::AdoptMembersFrom(ReplicaPool& previous) {
  MutexLockPair lock(&mu_, &previous.mu_);
  size_t adopted = 0;
  for (Slot& slot : slots_) {
    for (Slot& old : previous.slots_) {
      const bool same_ip = !old.member.ip.empty() && old.member.ip == slot.member.ip &&
                           old.member.address.port == slot.member.address.port;
      if (!same_ip &&
          (old.member.label != slot.member.label || !(old.member.address == slot.member.address)))
        continue;
      // Leased sessions go back to `previous` and close with it; idle ones move.
      for (IdleSession& session : TakeIdle(old)) {
        slot.idle.push_back(std::move(session));
        ++slot.open;
      }
      slot.adopted = true;
      slot.health = old.health;
      slot.lag_seconds = old.lag_seconds;
      slot.scrapes_served = old.scrapes_served;
      slot.recovery_conflicts = old.recovery_conflicts;
      slot.sessions_rejected = old.sessions_rejected;
      slot.retry_after = old.retry_after;
      slot.backoff = old.backoff;
      slot.server = old.server;
      slot.balancer_seen = old.balancer_seen;
      slot.state_since = old.state_since;
      slot.role = old.role;
      slot.last_error = old.last_error;
      slot.last_error_at = old.last_error_at;
      ++adopted;
      break;
    }
  }
  // A new address beside members that serve (a name that now resolves to one
  // more) proves itself with `rise` healthy probes before it serves; a list
  // that is new as a whole is judged as at start-up.
  if (adopted > 0) {
    for (Slot& slot : slots_) {
      if (!slot.adopted) slot.health.Join();
    }
  }
  return adopted;
}

bool ReplicaPool::KeepsConnections(MemberState state) {
  return state == MemberState::kHealthy || state == MemberState::kLagging;
}

void ReplicaPool::MarkDown(size_t member, const Status& why) {
  std::optional<double> no_lag;
  HealthVerdict verdict{MemberState::kDown, why.message(), false};
  verdict.retry_now = why.refused();
  Record(member, verdict, no_lag);
}

bool ReplicaPool::RejectSession(size_t member, const Status& why) {
  {
    MutexLock lock(&mu_);
    ++slots_[member].sessions_rejected;
  }
  if (BehindBalancer(member)) {
    logger_->Debug("session reached a server that may not serve; another is opened",
                   {{"replica", members_[member].label}, {"err", why.message()}});
    return true;
  }
  Record(member, {MemberState::kPrimary, why.message(), false}, std::nullopt);
  return false;
}

bool ReplicaPool::Record(size_t member, const HealthVerdict& verdict, std::optional<double> lag) {
  std::vector<IdleSession> discard;
  bool changed;
  MemberState state;
  std::string reason;
  {
    MutexLock lock(&mu_);
    Slot& slot = slots_[member];
    const MemberState before = slot.health.state();
    changed = slot.health.Apply(verdict);
    state = slot.health.state();
    reason = slot.health.reason();
    slot.lag_seconds = lag;
    const TimePoint now = clock_->Now();
    if (state != before) slot.state_since = now;
    // A down verdict says nothing of the server's role: the last one that reached it stands.
    if (verdict.state != MemberState::kDown) {
      slot.role = verdict.state == MemberState::kPrimary   ? "primary"
                  : verdict.state == MemberState::kRefused ? "election member"
                                                           : "replica";
    }
    if (verdict.state != MemberState::kHealthy) {
      slot.last_error = std::string(MemberStateName(verdict.state)) + ": " + verdict.reason;
      slot.last_error_at = now;
    }
    // The backoff is forgiven once the member has served for as long as the
    // longest backoff: one that flaps (answers a probe, then fails a query)
    // keeps doubling instead of costing every other scrape.
    if (verdict.state == MemberState::kHealthy && state == MemberState::kHealthy &&
        now - slot.state_since >= options_.max_backoff)
      slot.backoff = std::chrono::milliseconds(0);
    // A member found down, or a primary (listed by mistake, or promoted), is
    // looked at again only after a growing backoff, not on every rotation.
    // A refused connection costs nothing and is what a restarting server
    // gives: it is tried again at the next scrape.
    if (verdict.retry_now) {
      slot.backoff = std::chrono::milliseconds(0);
      slot.retry_after = clock_->Now();
    } else if ((verdict.state == MemberState::kDown && state == MemberState::kDown) ||
               state == MemberState::kPrimary) {
      slot.backoff = std::clamp(slot.backoff * 2, options_.min_backoff, options_.max_backoff);
      slot.retry_after = clock_->Now() + slot.backoff;
    }
    // A failed session makes its idle siblings suspect; a member that became a
    // primary (or joined an election cluster) must not keep our sessions at all.
    if (verdict.state == MemberState::kDown || !KeepsConnections(state)) discard = TakeIdle(slot);
  }
  if (!discard.empty()) slot_freed_.SignalAll();
  if (changed) {
    const std::string& label = members_[member].label;
    if (state == MemberState::kHealthy) {
      logger_->Info("replica healthy", {{"replica", label}});
    } else {
      logger_->Warn(state == MemberState::kDown ? "replica down" : "replica skipped",
                    {{"replica", label}, {"state", MemberStateName(state)}, {"reason", reason}});
    }
  }
  return state == MemberState::kHealthy;
  // `discard` closes its sessions here, outside the lock.
}

std::vector<Member> ReplicaPool::members() const {
  return members_;
}

const std::string& ReplicaPool::label(size_t member) const { return members_[member].label; }

std::optional<double> ReplicaPool::lag(size_t member) const {
  MutexLock lock(&mu_);
  return slots_[member].lag_seconds;
}

void ReplicaPool::RefuseCluster(size_t member, const std::string& reason) {
  std::vector<IdleSession> discard;
  {
    MutexLock lock(&mu_);
    cluster_refused_ = members_[member].label + " is a " + reason;
    for (Slot& slot : slots_) {
      slot.health.Apply({MemberState::kRefused, reason, false});
      for (IdleSession& session : TakeIdle(slot)) discard.push_back(std::move(session));
    }
  }
  slot_freed_.SignalAll();
}

std::string ReplicaPool::RefusalReason() const { return "cluster refused: " + cluster_refused_; }

void ReplicaPool::CountRecoveryConflict(size_t member) {
  MutexLock lock(&mu_);
  ++slots_[member].recovery_conflicts;
}

bool ReplicaPool::AnyInRotation(std::optional<size_t> besides) const {
  MutexLock lock(&mu_);
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (i != besides && slots_[i].health.in_rotation()) return true;
  }
  return false;
}

}  // namespace rse
