// Shared by the replica pool tests: a pool over scripted fake members on
// ports 1, 2, 3... and a fake clock, with helpers to run one acquisition.
#pragma once

#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "fakes/fake_backend.h"
#include "fakes/fake_clock.h"
#include "pool/replica_pool.h"

namespace rse {

using namespace std::chrono_literals;
using testing::FakeBackend;
using testing::FakeMember;

class ReplicaPoolTest : public ::testing::Test {
 protected:
  // Members listen on ports 1, 2, 3...
  void MakePool(int members, int connections_per_replica = 2,
                WhenAllLagging when_all_lagging = WhenAllLagging::kRefuse, int fall = 1) {
    std::vector<Member> list;
    for (int port = 1; port <= members; ++port)
      list.push_back({"db" + std::to_string(port) + ":" + std::to_string(port), {"db", port}, ""});
    PoolOptions options;
    options.connections_per_replica = connections_per_replica;
    options.when_all_lagging = when_all_lagging;
    options.fall = fall;
    options.members_are = members_are_;
    options.password = [this](const std::string&, int) -> StatusOr<std::string> {
      if (!password_ok_) return Status::NotFound("password_file: /run/secret: cannot open file");
      return std::string("s3cret");
    };
    pool_ = std::make_unique<ReplicaPool>(std::move(list), options, &backend_, &clock_, &logger_);
  }

  Deadline Soon(std::chrono::milliseconds d = 5s) { return Deadline(clock_.Now() + d); }

  // The port of the member that serves the next scrape, or -1.
  int NextScrape(const std::set<size_t>& exclude = {}) {
    auto lease = pool_->AcquireForScrape(Soon(), exclude);
    if (!lease.ok()) {
      last_error_ = lease.status().message();
      return -1;
    }
    return static_cast<int>(lease->member()) + 1;
  }

  MemberState StateOf(int port) { return pool_->Snapshot()[port - 1].state; }

  std::ostringstream log_;
  Logger logger_{LogLevel::kDebug, LogFormat::kLogfmt, &log_};
  testing::FakeClock clock_;
  FakeBackend backend_;
  std::unique_ptr<ReplicaPool> pool_;
  bool password_ok_ = true;
  MembersAre members_are_ = MembersAre::kServers;
  std::string last_error_;
};

}  // namespace rse
