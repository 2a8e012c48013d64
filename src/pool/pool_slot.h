// Internal to pool/: one member's slot in ReplicaPool (its sessions, health
// and counters) and the timing both halves of the pool share. Guarded by the
// pool's mutex.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "db/session_guard.h"
#include "pool/replica_pool.h"

namespace rse {

// What a hung session costs past its deadline before it is aborted.
inline constexpr std::chrono::milliseconds kSessionAbortAfter = kCancelGrace + kAbortGrace;
// Enough for a healthy replica, even a network away, to answer the probe.
inline constexpr std::chrono::milliseconds kMinProbeTime{250};

// An idle session and the database it is in ("": the configured one).
struct ReplicaPool::IdleSession {
  std::unique_ptr<Connection> connection;
  std::string database;
};

struct ReplicaPool::Slot {
  Slot(Member m, int rise, int fall) : member(std::move(m)), health(rise, fall) {}
  Member member;
  std::vector<IdleSession> idle;
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
  // What /status shows beside the metrics.
  TimePoint state_since{};     // When the exposed state last changed (or the pool was made).
  std::string role = "unknown";  // "replica", "primary" or "election member", by the last verdict that reached it.
  std::string last_error;      // The latest verdict that said it may not serve.
  TimePoint last_error_at{};
  int waiting = 0;             // Scrapes waiting for one of its sessions (AcquireMore).
};

}  // namespace rse
