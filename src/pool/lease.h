// A connection borrowed from a ReplicaPool; given back on destruction, or
// dropped if it is no longer usable. Move-only.
#pragma once

#include <cstddef>
#include <memory>

#include "db/connection.h"

namespace rse {

class ReplicaPool;

class Lease {
 public:
  Lease(ReplicaPool* pool, size_t member, std::unique_ptr<Connection> connection);
  Lease(Lease&& other) noexcept;
  Lease& operator=(Lease&& other) noexcept;
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  ~Lease();

  Connection& connection() { return *connection_; }
  size_t member() const { return member_; }

 private:
  void Release();

  ReplicaPool* pool_;
  size_t member_;
  std::unique_ptr<Connection> connection_;
};

}  // namespace rse
