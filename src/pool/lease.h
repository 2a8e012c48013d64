// A connection borrowed from a ReplicaPool; given back on destruction, or
// dropped if it is no longer usable. Move-only.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "db/connection.h"

namespace rse {

class ReplicaPool;

class Lease {
 public:
  // `reused`: the session was idle in the pool (it may have been closed
  // under us meanwhile), not opened for this lease.
  // `database`: the one the session is in ("": the configured one).
  Lease(ReplicaPool* pool, size_t member, std::unique_ptr<Connection> connection,
        bool reused = false, std::string database = {});
  Lease(Lease&& other) noexcept;
  Lease& operator=(Lease&& other) noexcept;
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  ~Lease();

  Connection& connection() { return *connection_; }
  // Closes the session now instead of giving it back (it reached an unfit server).
  void Discard();
  size_t member() const { return member_; }
  bool reused() const { return reused_; }
  const std::string& database() const { return database_; }

 private:
  void Release();

  ReplicaPool* pool_;
  size_t member_;
  std::unique_ptr<Connection> connection_;
  bool reused_;
  std::string database_;
};

}  // namespace rse
