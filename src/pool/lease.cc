#include "pool/lease.h"

#include "pool/replica_pool.h"

namespace rse {

Lease::Lease(ReplicaPool* pool, size_t member, std::unique_ptr<Connection> connection, bool reused,
             std::string database)
    : pool_(pool),
      member_(member),
      connection_(std::move(connection)),
      reused_(reused),
      database_(std::move(database)) {}

Lease::Lease(Lease&& other) noexcept
    : pool_(other.pool_),
      member_(other.member_),
      connection_(std::move(other.connection_)),
      reused_(other.reused_),
      database_(std::move(other.database_)) {
  other.pool_ = nullptr;
}

Lease& Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    Release();
    pool_ = other.pool_;
    member_ = other.member_;
    connection_ = std::move(other.connection_);
    reused_ = other.reused_;
    database_ = std::move(other.database_);
    other.pool_ = nullptr;
  }
  return *this;
}

Lease::~Lease() { Release(); }

void Lease::Discard() {
  if (pool_ && connection_) pool_->GiveBack(member_, std::move(connection_), database_, /*keep=*/false);
  pool_ = nullptr;
}

void Lease::Release() {
  if (pool_ && connection_) pool_->GiveBack(member_, std::move(connection_), database_);
  pool_ = nullptr;
}

}  // namespace rse
