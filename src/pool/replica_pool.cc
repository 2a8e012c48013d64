#include "pool/replica_pool.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "db/session_guard.h"

namespace rse {
namespace {

// What a hung session costs past its deadline before it is aborted.
constexpr std::chrono::milliseconds kSessionAbortAfter = kCancelGrace + kAbortGrace;
// Enough for a healthy replica, even a network away, to answer the probe.
constexpr std::chrono::milliseconds kMinProbeTime{250};

}  // namespace

struct ReplicaPool::Slot {
  Slot(Member m, int rise, int fall) : member(std::move(m)), health(rise, fall) {}
  Member member;
  std::vector<std::unique_ptr<Connection>> idle;
  int open = 0;  // Idle, leased, and being opened.
  MemberHealth health;
  std::optional<double> lag_seconds;
  uint64_t scrapes_served = 0;
  uint64_t recovery_conflicts = 0;
  uint64_t sessions_rejected = 0;
  TimePoint retry_after{};
  std::chrono::milliseconds backoff{0};
  bool adopted = false;  // Taken over from the previous pool (AdoptMembersFrom).
  std::string server;    // The server its sessions first reported (ReplicaState::server).
  bool balancer_seen = false;  // Its sessions reported different servers.
  bool advised = false;        // Its sessions' SetupAdvice was logged.
};

ReplicaPool::ReplicaPool(std::vector<Member> members, PoolOptions options, Backend* backend,
                         const Clock* clock, Logger* logger)
    : options_(std::move(options)), backend_(backend), clock_(clock), logger_(logger) {
  slots_.reserve(members.size());
  for (Member& member : members)
    slots_.emplace_back(std::move(member), options_.rise, options_.fall);
}

ReplicaPool::~ReplicaPool() = default;

size_t ReplicaPool::AdoptMembersFrom(ReplicaPool& previous) {
  std::scoped_lock lock(mu_, previous.mu_);
  size_t adopted = 0;
  for (Slot& slot : slots_) {
    for (Slot& old : previous.slots_) {
      const bool same_ip = !old.member.ip.empty() && old.member.ip == slot.member.ip &&
                           old.member.address.port == slot.member.address.port;
      if (!same_ip &&
          (old.member.label != slot.member.label || !(old.member.address == slot.member.address)))
        continue;
      // Leased sessions go back to `previous` and close with it; idle ones move.
      for (std::unique_ptr<Connection>& connection : TakeIdle(old)) {
        slot.idle.push_back(std::move(connection));
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

std::vector<std::unique_ptr<Connection>> ReplicaPool::TakeIdle(Slot& slot) {
  slot.open -= static_cast<int>(slot.idle.size());
  std::vector<std::unique_ptr<Connection>> idle = std::move(slot.idle);
  slot.idle.clear();
  return idle;
}

void ReplicaPool::DropIdle(size_t member) {
  std::vector<std::unique_ptr<Connection>> discard;
  {
    std::lock_guard<std::mutex> lock(mu_);
    discard = TakeIdle(slots_[member]);
  }
  slot_freed_.notify_all();
  // `discard` closes its sessions here, outside the lock.
}

bool ReplicaPool::KeepsConnections(MemberState state) {
  return state == MemberState::kHealthy || state == MemberState::kLagging;
}

std::optional<StatusOr<Lease>> ReplicaPool::TryTake(size_t member, const Deadline& deadline) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    Slot& slot = slots_[member];
    if (!slot.idle.empty()) {
      std::unique_ptr<Connection> connection = std::move(slot.idle.back());
      slot.idle.pop_back();
      return StatusOr<Lease>(Lease(this, member, std::move(connection), /*reused=*/true));
    }
    if (slot.open >= options_.connections_per_replica) return std::nullopt;
    ++slot.open;  // Reserve the slot; connect outside the lock.
  }
  auto fail = [&](Status status) {
    std::lock_guard<std::mutex> lock(mu_);
    --slots_[member].open;
    slot_freed_.notify_all();
    return std::optional<StatusOr<Lease>>(std::move(status));
  };
  ConnectParams params = options_.connect;
  params.host = slots_[member].member.address.host;
  params.port = slots_[member].member.address.port;
  if (options_.password) {
    auto password = options_.password(params.host, params.port);
    if (!password.ok()) return fail(Status::Unavailable(password.status().message()));
    params.password = std::move(*password);
  }
  auto connection = backend_->Connect(params, deadline);
  if (!connection.ok()) return fail(connection.status());
  if (std::string advice = (*connection)->SetupAdvice(); !advice.empty()) {
    bool first;
    {
      std::lock_guard<std::mutex> lock(mu_);
      first = !std::exchange(slots_[member].advised, true);
    }
    if (first) logger_->Warn(advice, {{"replica", slots_[member].member.label}});
  }
  return StatusOr<Lease>(Lease(this, member, std::move(*connection)));
}

void ReplicaPool::GiveBack(size_t member, std::unique_ptr<Connection> connection, bool keep) {
  std::unique_ptr<Connection> discard;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Slot& slot = slots_[member];
    if (keep && connection->Usable() && KeepsConnections(slot.health.state())) {
      slot.idle.push_back(std::move(connection));
    } else {
      --slot.open;
      discard = std::move(connection);
    }
  }
  slot_freed_.notify_all();
  // `discard` closes its session here, outside the lock.
}

void ReplicaPool::MarkDown(size_t member, const Status& why) {
  std::optional<double> no_lag;
  HealthVerdict verdict{MemberState::kDown, why.message(), false};
  verdict.retry_now = why.refused();
  Record(member, verdict, no_lag);
}

bool ReplicaPool::RejectSession(size_t member, const Status& why) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++slots_[member].sessions_rejected;
  }
  if (BehindBalancer(member)) {
    logger_->Debug("session reached a server that may not serve; another is opened",
                   {{"replica", slots_[member].member.label}, {"err", why.message()}});
    return true;
  }
  Record(member, {MemberState::kPrimary, why.message(), false}, std::nullopt);
  return false;
}

bool ReplicaPool::Record(size_t member, const HealthVerdict& verdict, std::optional<double> lag) {
  std::vector<std::unique_ptr<Connection>> discard;
  bool changed;
  MemberState state;
  std::string reason;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Slot& slot = slots_[member];
    changed = slot.health.Apply(verdict);
    state = slot.health.state();
    reason = slot.health.reason();
    slot.lag_seconds = lag;
    if (verdict.state == MemberState::kHealthy) slot.backoff = std::chrono::milliseconds(0);
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
  if (!discard.empty()) slot_freed_.notify_all();
  if (changed) {
    const std::string& label = slots_[member].member.label;
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

std::optional<Lease> ReplicaPool::ProbeAndJudge(size_t member, StatusOr<Lease> taken,
                                                const Deadline& deadline, Judgement* judgement) {
  const std::string& label = slots_[member].member.label;
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
  const bool verdict_if_silent = full_probe_time || probe_deadline.Remaining(*clock_) >= kMinProbeTime;
  const TimePoint probe_started = clock_->Now();
  auto probe = taken->connection().Probe(probe_deadline);
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
    probe = taken->connection().Probe(probe_deadline);
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
  const HealthVerdict verdict = JudgeProbe(*probe, options_.max_replication_lag);
  if (Record(member, verdict, probe->lag_seconds)) return std::move(*taken);
  if (verdict.state == MemberState::kRefused) RefuseCluster(member, verdict.reason);
  std::string reason;
  {
    std::lock_guard<std::mutex> lock(mu_);
    reason = std::string(MemberStateName(slots_[member].health.state())) + ": " +
             slots_[member].health.reason();
  }
  judgement->reasons.push_back(label + ": " + reason);
  if (verdict.stream_down && !judgement->fallback) {
    judgement->fallback = std::move(*taken);
  } else if (verdict.state == MemberState::kLagging || verdict.state == MemberState::kHealthy) {
    // A verified replica out of the rotation: the candidate if every member lags.
    const double lag = probe->lag_seconds.value_or(std::numeric_limits<double>::infinity());
    if (!judgement->least_lagged || lag < judgement->least_lag) {
      judgement->least_lagged = std::move(*taken);
      judgement->least_lag = lag;
    }
  }
  return std::nullopt;
}

Deadline ReplicaPool::ShareOf(const Deadline& deadline, size_t members_left) const {
  if (members_left <= 1) return deadline;
  const auto each = deadline.Remaining(*clock_) / static_cast<int64_t>(members_left);
  return deadline.Min(Deadline::After(*clock_, each));
}

StatusOr<Lease> ReplicaPool::AcquireForScrape(const Deadline& deadline,
                                              const std::set<size_t>& exclude) {
  std::vector<size_t> order;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!cluster_refused_.empty()) return Status::Unavailable(RefusalReason());
    if (slots_.empty())
      return Status::Unavailable("no replica known: the replica names do not resolve yet");
    for (size_t i = 0; i < slots_.size(); ++i) order.push_back((next_ + i) % slots_.size());
    next_ = (next_ + 1) % slots_.size();
  }
  Judgement judgement;
  std::vector<size_t> busy;
  auto served = [&](Lease lease) -> StatusOr<Lease> {
    std::lock_guard<std::mutex> lock(mu_);
    ++slots_[lease.member()].scrapes_served;
    return lease;
  };
  // The members to try now, in the rotation's order: not excluded, not
  // waiting out a backoff. When the scrape is too short to judge a down
  // member due for a retry, it goes last: a hung one would cost the scrape
  // and give no verdict.
  std::vector<size_t> tries;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<size_t> up;
    std::vector<size_t> retries;
    for (size_t member : order) {
      if (exclude.count(member)) continue;
      const Slot& slot = slots_[member];
      const MemberState state = slot.health.state();
      const bool down = state == MemberState::kDown || state == MemberState::kPrimary;
      if (down && clock_->Now() < slot.retry_after) {
        judgement.reasons.push_back(slot.member.label + ": " + MemberStateName(state) + ": " +
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
  for (size_t i = 0; i < tries.size(); ++i) {
    const size_t member = tries[i];
    {
      std::lock_guard<std::mutex> lock(mu_);
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
      return served(std::move(*lease));
  }
  // Every slot of these members is serving other scrapes: wait for one.
  for (size_t member : busy) {
    auto taken = AcquireMore(member, deadline);
    if (!taken.ok()) {
      judgement.reasons.push_back(slots_[member].member.label +
                                  ": busy: " + taken.status().message());
      continue;
    }
    if (auto lease = ProbeAndJudge(member, std::move(taken), deadline, &judgement))
      return served(std::move(*lease));
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!cluster_refused_.empty()) return Status::Unavailable(RefusalReason());
  }
  if (judgement.fallback) {
    // No member streams (the primary is down): the replicas still hold the
    // last committed data, and the lag metrics say how old it is.
    return served(std::move(*judgement.fallback));
  }
  if (judgement.least_lagged && options_.when_all_lagging == WhenAllLagging::kLeastLagged) {
    // Every verified replica is out of the rotation: serve the freshest, and
    // let the freshness metrics say how old its data is. Never a primary.
    return served(std::move(*judgement.least_lagged));
  }
  std::string all;
  for (const std::string& r : judgement.reasons) all += (all.empty() ? "" : "; ") + r;
  return Status::Unavailable("no healthy replica: " +
                             (all.empty() ? std::string("every member was excluded") : all));
}

void ReplicaPool::ProbeBehindBalancer(size_t member, StatusOr<Lease>& taken,
                                      StatusOr<ReplicaState>& probe,
                                      const Deadline& probe_deadline, const Deadline& deadline) {
  if (!BehindBalancer(member)) return;
  for (int tries = 1; tries < kLoadBalancerTries && taken.ok() && probe.ok(); ++tries) {
    const HealthVerdict verdict = JudgeProbe(*probe, options_.max_replication_lag);
    if (verdict.state == MemberState::kHealthy || verdict.state == MemberState::kRefused) return;
    // This session reached an unfit server behind the balancer; the next one
    // may reach another. A verdict on the session, not yet on the address.
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++slots_[member].sessions_rejected;
    }
    logger_->Debug("session reached an unfit server behind a load balancer; opening another",
                   {{"replica", slots_[member].member.label}, {"reason", verdict.reason}});
    taken->Discard();
    std::optional<StatusOr<Lease>> fresh = TryTake(member, deadline);
    if (!fresh) {
      taken = Status::Unavailable("no session slot free for another try");
      return;
    }
    taken = std::move(*fresh);
    if (taken.ok()) probe = taken->connection().Probe(probe_deadline);
    if (taken.ok() && probe.ok()) NoteServer(member, probe->server);
  }
}

bool ReplicaPool::BehindBalancer(size_t member) const {
  if (options_.members_are == MembersAre::kLoadBalancers) return true;
  std::lock_guard<std::mutex> lock(mu_);
  return slots_[member].balancer_seen;
}

void ReplicaPool::NoteServer(size_t member, const std::string& server) {
  if (server.empty() || options_.members_are == MembersAre::kLoadBalancers) return;
  std::string first;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Slot& slot = slots_[member];
    if (slot.server.empty()) slot.server = server;
    if (slot.server == server || slot.balancer_seen) return;
    slot.balancer_seen = true;
    first = slot.server;
    // What was judged of the address came from one session, so one server
    // behind it: from now on each session is judged on its own.
    if (slot.health.state() == MemberState::kPrimary ||
        slot.health.state() == MemberState::kLagging) {
      slot.health.Forget();
      slot.backoff = std::chrono::milliseconds(0);
      slot.retry_after = TimePoint{};
    }
  }
  logger_->Warn("sessions to one replica address reached different servers: it is a load "
                "balancer, and each session is judged on its own from now on (say so with "
                "[cluster] members_are = \"load_balancers\")",
                {{"replica", slots_[member].member.label}, {"server", first}, {"then", server}});
}

StatusOr<Lease> ReplicaPool::VerifyOpened(size_t member, Lease lease, const Deadline& deadline) {
  const Deadline probe_deadline = deadline.Min(Deadline::After(*clock_, options_.probe_timeout));
  StatusOr<Lease> taken = std::move(lease);
  StatusOr<ReplicaState> probe = taken->connection().Probe(probe_deadline);
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
  return Status::FailedPrecondition(slots_[member].member.label + ": " +
                                    MemberStateName(verdict.state) + ": " + verdict.reason);
}

StatusOr<Lease> ReplicaPool::AcquireMore(size_t member, const Deadline& deadline) {
  while (true) {
    auto taken = TryTake(member, deadline);
    if (taken) {
      if (!taken->ok() || (*taken)->reused()) return std::move(*taken);
      return VerifyOpened(member, std::move(**taken), deadline);
    }
    std::unique_lock<std::mutex> lock(mu_);
    const Slot& slot = slots_[member];
    bool freed = slot_freed_.wait_until(lock, deadline.at(), [&] {
      return !slot.idle.empty() || slot.open < options_.connections_per_replica;
    });
    if (!freed)
      return Status::DeadlineExceeded("no free connection to " + slot.member.label +
                                      " before the deadline");
  }
}

Status ReplicaPool::CheckForMasterElection(const Deadline& deadline) {
  for (size_t member = 0; member < slots_.size(); ++member) {
    auto taken = TryTake(member, deadline);
    if (!taken) continue;
    Judgement judgement;
    ProbeAndJudge(member, std::move(*taken), deadline, &judgement);
    std::lock_guard<std::mutex> lock(mu_);
    if (!cluster_refused_.empty()) return Status::InvalidArgument(RefusalReason());
  }
  return Status::Ok();
}

std::vector<Member> ReplicaPool::members() const {
  std::vector<Member> out;
  for (const Slot& slot : slots_) out.push_back(slot.member);  // Fixed at construction.
  return out;
}

const std::string& ReplicaPool::label(size_t member) const { return slots_[member].member.label; }

std::optional<double> ReplicaPool::lag(size_t member) const {
  std::lock_guard<std::mutex> lock(mu_);
  return slots_[member].lag_seconds;
}

void ReplicaPool::RefuseCluster(size_t member, const std::string& reason) {
  std::vector<std::unique_ptr<Connection>> discard;
  {
    std::lock_guard<std::mutex> lock(mu_);
    cluster_refused_ = slots_[member].member.label + " is a " + reason;
    for (Slot& slot : slots_) {
      slot.health.Apply({MemberState::kRefused, reason, false});
      for (auto& connection : TakeIdle(slot)) discard.push_back(std::move(connection));
    }
  }
  slot_freed_.notify_all();
}

std::string ReplicaPool::RefusalReason() const { return "cluster refused: " + cluster_refused_; }

void ReplicaPool::CountRecoveryConflict(size_t member) {
  std::lock_guard<std::mutex> lock(mu_);
  ++slots_[member].recovery_conflicts;
}

bool ReplicaPool::AnyInRotation() const {
  std::lock_guard<std::mutex> lock(mu_);
  return std::any_of(slots_.begin(), slots_.end(),
                     [](const Slot& slot) { return slot.health.in_rotation(); });
}

std::vector<MemberSnapshot> ReplicaPool::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<MemberSnapshot> out;
  for (const Slot& slot : slots_)
    out.push_back({slot.member.label, slot.health.state(), slot.lag_seconds, slot.scrapes_served,
                   slot.health.changes(), slot.recovery_conflicts, slot.sessions_rejected});
  return out;
}

}  // namespace rse
