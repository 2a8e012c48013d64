// ReplicaPool's sessions: taking an idle one (in the database asked for),
// opening one under the member's cap, moving or replacing one of another
// database, waiting for a free slot, and giving them back.
#include <iterator>
#include <utility>

#include "pool/pool_slot.h"
#include "pool/replica_pool.h"

namespace rse {

std::vector<ReplicaPool::IdleSession> ReplicaPool::TakeIdle(Slot& slot) {
  slot.open -= static_cast<int>(slot.idle.size());
  std::vector<IdleSession> idle = std::move(slot.idle);
  slot.idle.clear();
  return idle;
}

void ReplicaPool::DropIdle(size_t member) {
  std::vector<IdleSession> discard;
  {
    MutexLock lock(&mu_);
    discard = TakeIdle(slots_[member]);
  }
  slot_freed_.SignalAll();
  // `discard` closes its sessions here, outside the lock.
}

std::optional<StatusOr<Lease>> ReplicaPool::TryTake(size_t member, const Deadline& deadline,
                                                    const std::string& wanted) {
  // The configured database by its name is the configured database.
  const std::string database = wanted == options_.connect.database ? std::string() : wanted;
  IdleSession other;  // An idle session of another database, to move or replace.
  {
    MutexLock lock(&mu_);
    Slot& slot = slots_[member];
    for (auto it = slot.idle.rbegin(); it != slot.idle.rend(); ++it) {
      if (it->database != database) continue;
      std::unique_ptr<Connection> connection = std::move(it->connection);
      slot.idle.erase(std::next(it).base());
      return StatusOr<Lease>(Lease(this, member, std::move(connection), /*reused=*/true, database));
    }
    if (slot.open < options_.connections_per_replica) {
      ++slot.open;  // Reserve the slot; connect outside the lock.
    } else if (!slot.idle.empty()) {
      other = std::move(slot.idle.front());  // The longest idle; its slot is reused.
      slot.idle.erase(slot.idle.begin());
    } else {
      return std::nullopt;
    }
  }
  if (other.connection) {
    const std::string& target = database.empty() ? options_.connect.database : database;
    if (other.connection->UseDatabase(target, deadline).ok()) {
      return StatusOr<Lease>(
          Lease(this, member, std::move(other.connection), /*reused=*/true, database));
    }
    other.connection.reset();  // Closed (a PostgreSQL session is bound to its database).
  }
  return StatusOr<Lease>(Open(member, deadline, database));
}

StatusOr<Lease> ReplicaPool::Open(size_t member, const Deadline& deadline,
                                  const std::string& database) {
  auto fail = [&](Status status) {
    MutexLock lock(&mu_);
    --slots_[member].open;
    slot_freed_.SignalAll();
    return StatusOr<Lease>(std::move(status));
  };
  ConnectParams params = options_.connect;
  params.host = members_[member].address.host;
  params.port = members_[member].address.port;
  if (!database.empty()) params.database = database;
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
      MutexLock lock(&mu_);
      first = !std::exchange(slots_[member].advised, true);
    }
    if (first) logger_->Warn(advice, {{"replica", members_[member].label}});
  }
  return Lease(this, member, std::move(*connection), /*reused=*/false, database);
}

void ReplicaPool::GiveBack(size_t member, std::unique_ptr<Connection> connection,
                           std::string database, bool keep) {
  std::unique_ptr<Connection> discard;
  {
    MutexLock lock(&mu_);
    Slot& slot = slots_[member];
    if (keep && connection->Usable() && KeepsConnections(slot.health.state())) {
      slot.idle.push_back({std::move(connection), std::move(database)});
    } else {
      --slot.open;
      discard = std::move(connection);
    }
  }
  slot_freed_.SignalAll();
  // `discard` closes its session here, outside the lock.
}

StatusOr<Lease> ReplicaPool::AcquireMore(size_t member, const Deadline& deadline,
                                         const std::string& database) {
  while (true) {
    auto taken = TryTake(member, deadline, database);
    if (taken) {
      if (!taken->ok() || (*taken)->reused()) return std::move(*taken);
      return VerifyOpened(member, std::move(**taken), deadline);
    }
    MutexLock lock(&mu_);
    Slot& slot = slots_[member];
    ++slot.waiting;
    bool freed = true;
    while (freed && slot.idle.empty() && slot.open >= options_.connections_per_replica)
      freed = slot_freed_.WaitUntil(&mu_, deadline.at());
    freed = freed || !slot.idle.empty() || slot.open < options_.connections_per_replica;
    --slot.waiting;
    if (!freed)
      return Status::DeadlineExceeded("no free connection to " + slot.member.label +
                                      " before the deadline");
  }
}

}  // namespace rse
