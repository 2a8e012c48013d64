// The fixture shared by the backend tests: one backend per engine, and helpers
// that look at what runs on the server.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "db_env.h"

namespace rse::testing {

using namespace std::chrono_literals;

inline Deadline In(std::chrono::milliseconds d) { return Deadline::After(*DefaultClock(), d); }

class BackendTest : public ::testing::TestWithParam<const ClusterEnv*> {
 protected:
  const ClusterEnv& env() const { return *GetParam(); }
  bool pg() const { return env().engine == Engine::kPostgres; }

  std::unique_ptr<Connection> ConnectTo(const HostPort& member) {
    auto conn = backend_->Connect(env().Params(member), In(5s));
    EXPECT_TRUE(conn.ok()) << conn.status().message();
    return conn.ok() ? std::move(*conn) : nullptr;
  }

  // Statements of the exporter user still running on `member` (ours, sleeping).
  int RunningSleeps(const HostPort& member) {
    auto rows = testing::AdminQuery(env(), member,
                                    pg() ? "SELECT count(*) FROM pg_stat_activity WHERE usename = "
                                           "'exporter' AND state = 'active' "
                                           "AND query LIKE '%sleep%'"
                                         : "SELECT count(*) FROM information_schema.processlist "
                                           "WHERE user = 'exporter' AND command = 'Query' "
                                           "AND info LIKE '%SLEEP%'");
    return rows.empty() ? -1 : std::stoi(rows[0][0]);
  }

  std::string SleepSql(int seconds) const {
    return pg() ? "SELECT 1 AS one FROM pg_sleep(" + std::to_string(seconds) + ")"
                : "SELECT SLEEP(" + std::to_string(seconds) + ") AS slept";
  }

  std::unique_ptr<Backend> backend_ = env().MakeBackend();
};

}  // namespace rse::testing
