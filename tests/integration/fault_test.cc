// Faults on the real clusters, for both engines: a replica hung (SIGSTOP),
// back from a pause, a black-holed port, sessions killed while idle (hung
// behind a proxy: fault_proxy_test.cc).
#include "scrape_fixture.h"
#include "tcp_proxy.h"

#include <thread>

namespace rse::testing {
namespace {

using namespace std::chrono_literals;

class FaultTest : public ScrapeTest {};

TEST_P(FaultTest, AHungReplicaCostsAScrapeAtMostTheProbeTimeout) {
  auto exporter = MakeExporter(kCountQuery);
  ASSERT_TRUE(exporter);
  // Both replicas serve once, so each holds an idle session: the hung one is
  // then met on a session that was fine, the hardest case.
  for (int i = 0; i < 2; ++i)
    ASSERT_NE(RenderText(exporter->Scrape({})).find("count_value 2000\n"), std::string::npos);
  testing::PauseMember(env(), "replica2");
  struct Resume {
    const ClusterEnv& env;
    ~Resume() { testing::ResumeMember(env, "replica2"); }
  } resume{env()};
  double slowest = 0;
  for (int i = 0; i < 6; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const std::string text = RenderText(exporter->Scrape({}));  // 5 s budget.
    slowest = std::max(slowest, SecondsSince(start));
    EXPECT_NE(text.find("replica_sql_up 1\n"), std::string::npos) << text;
    EXPECT_NE(text.find("count_value 2000\n"), std::string::npos) << "scrape " << i << "\n" << text;
  }
  EXPECT_LT(slowest, 2.5) << "probe_timeout 1 s + 0.5 s to break the session, not the 5 s budget";
  EXPECT_NE(RenderText(exporter->Scrape({}))
                .find("replica_sql_replica_state{replica=\"" + env().replicas[1].ToString() +
                      "\",state=\"down\"} 1"),
            std::string::npos);
  // Shutting the exporter down waits for a cancel still trying to reach the
  // hung server only briefly (MySQL/MariaDB: its side session's 2 s connect
  // timeout at most), never for the server itself.
  const auto stop = std::chrono::steady_clock::now();
  exporter.reset();
  const double stopped = SecondsSince(stop);
  EXPECT_LT(stopped, 2.5);
  std::cout << "[ figures  ] " << env().name << " SIGSTOPped replica: slowest of 6 scrapes "
            << slowest << " s, exporter stopped in " << stopped << " s\n";
}

TEST_P(FaultTest, AReplicaKilledWithSigkillCostsNoScrapeAndComesBack) {
  // No goodbye to the clients: pooled sessions learn it on their next use.
  // (libpqxx 6.4 reconnects a lost connection when a transaction starts and
  // throws from there; that once escaped as an HTTP 500.)
  auto exporter = MakeExporter(kCountQuery);
  ASSERT_TRUE(exporter);
  for (int i = 0; i < 2; ++i)
    ASSERT_NE(RenderText(exporter->Scrape({})).find("count_value 2000\n"), std::string::npos);
  testing::KillMember(env(), "replica1");
  struct Restart {
    const ClusterEnv& env;
    ~Restart() { testing::StartMember(env, "replica1"); }
  } restart{env()};
  for (int i = 0; i < 6; ++i) {
    std::string text;
    ASSERT_NO_THROW(text = RenderText(exporter->Scrape({})));
    EXPECT_NE(text.find("replica_sql_up 1\n"), std::string::npos) << text;
    EXPECT_NE(text.find("count_value 2000\n"), std::string::npos) << "scrape " << i << "\n" << text;
  }
  testing::StartMember(env(), "replica1");
  const auto started = std::chrono::steady_clock::now();
  const std::string healthy = "replica_sql_replica_state{replica=\"" +
                              env().replicas[0].ToString() + "\",state=\"healthy\"} 1";
  // Up to 60 s: the member waits out its backoff (1 s doubling to 30 s) and,
  // on MariaDB, crash recovery before replication applies again.
  const bool back = testing::Eventually(
      [&] {
        std::string text;
        EXPECT_NO_THROW(text = RenderText(exporter->Scrape({})));
        return text.find(healthy) != std::string::npos;
      },
      60s);
  EXPECT_TRUE(back);
  std::cout << "[ figures  ] " << env().name << " SIGKILLed replica back in rotation "
            << SecondsSince(started) << " s after its start\n";
}

// A restart refuses connections for a while: a refused connection costs
// nothing, so it is retried at every scrape (no backoff), and a member that
// was down returns at its first healthy probe (rise damps lag only).
TEST_P(FaultTest, ARestartedReplicaIsBackWithinASecondOfAcceptingConnections) {
  auto exporter = MakeExporter(kCountQuery);
  ASSERT_TRUE(exporter);
  for (int i = 0; i < 2; ++i) exporter->Scrape({});
  testing::StopMember(env(), "replica1");
  struct Restart {
    const ClusterEnv& env;
    ~Restart() { testing::StartMember(env, "replica1"); }
  } restart{env()};
  const std::string healthy = "replica_sql_replica_state{replica=\"" +
                              env().replicas[0].ToString() + "\",state=\"healthy\"} 1";
  // Down for ~4 s, scraped all along, as Prometheus would with a short interval.
  const auto stopped = std::chrono::steady_clock::now();
  while (SecondsSince(stopped) < 4) {
    EXPECT_EQ(RenderText(exporter->Scrape({})).find(healthy), std::string::npos);
    std::this_thread::sleep_for(100ms);
  }
  // The first moment the server takes a TCP connection, seen from outside.
  std::atomic<bool> accepting = false;
  std::atomic<int64_t> accepted_at_ns = 0;
  std::thread watch([&] {
    const auto give_up = std::chrono::steady_clock::now() + 60s;
    while (!accepting && std::chrono::steady_clock::now() < give_up) {
      int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(static_cast<uint16_t>(env().replicas[0].port));
      ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
      if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
        accepted_at_ns = std::chrono::steady_clock::now().time_since_epoch().count();
        accepting = true;
      }
      ::close(fd);
      std::this_thread::sleep_for(10ms);
    }
  });
  std::thread starter([&] { testing::StartMember(env(), "replica1"); });
  bool back = false;
  std::chrono::steady_clock::time_point back_at;
  const auto give_up = std::chrono::steady_clock::now() + 60s;
  while (!back && std::chrono::steady_clock::now() < give_up) {
    back = RenderText(exporter->Scrape({})).find(healthy) != std::string::npos;
    back_at = std::chrono::steady_clock::now();
    if (!back) std::this_thread::sleep_for(100ms);
  }
  starter.join();
  accepting = true;
  watch.join();
  ASSERT_TRUE(back);
  ASSERT_NE(accepted_at_ns.load(), 0);
  const double late =
      std::chrono::duration<double>(back_at.time_since_epoch() -
                                    std::chrono::steady_clock::duration(accepted_at_ns.load()))
          .count();
  std::cout << "[ figures  ] " << env().name << " restarted replica back in rotation " << late
            << " s after it accepted connections (scrapes every 0.1 s)\n";
  EXPECT_LT(late, 1.0) << log_.str();
}

TEST_P(FaultTest, AReplicaBackFromAPauseReturnsToTheRotation) {
  auto exporter = MakeExporter(kCountQuery);
  ASSERT_TRUE(exporter);
  for (int i = 0; i < 2; ++i) exporter->Scrape({});
  testing::PauseMember(env(), "replica2");
  for (int i = 0; i < 3; ++i) exporter->Scrape({});
  testing::ResumeMember(env(), "replica2");
  const auto resumed = std::chrono::steady_clock::now();
  const std::string healthy = "replica_sql_replica_state{replica=\"" +
                              env().replicas[1].ToString() + "\",state=\"healthy\"} 1";
  EXPECT_TRUE(testing::Eventually(
      [&] { return RenderText(exporter->Scrape({})).find(healthy) != std::string::npos; }));
  std::cout << "[ figures  ] " << env().name << " paused replica back in rotation "
            << SecondsSince(resumed) << " s after SIGCONT\n";
}

TEST_P(FaultTest, ABlackHoledPortCostsAtMostTheConnectTimeout) {
  // Accepts connections (the kernel's backlog) and never answers a byte.
  int hole = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(hole, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(hole, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(hole, 16), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(hole, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const std::string black_hole = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  auto exporter = MakeExporter(kCountQuery, {black_hole, env().replicas[0].ToString()});
  ASSERT_TRUE(exporter);
  double slowest = 0;
  for (int i = 0; i < 4; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const std::string text = RenderText(exporter->Scrape({}));
    slowest = std::max(slowest, SecondsSince(start));
    EXPECT_NE(text.find("count_value 2000\n"), std::string::npos) << text;
  }
  EXPECT_LT(slowest, 3.0) << "connect_timeout (2 s), then the other replica, within the 5 s budget";
  std::cout << "[ figures  ] " << env().name << " black-holed member: slowest of 4 scrapes "
            << slowest << " s\n";
  exporter.reset();
  ::close(hole);
}

TEST_P(FaultTest, SessionsKilledWhileIdleCostNoScrapeAndNoVerdict) {
  auto exporter = MakeExporter(kCountQuery);
  ASSERT_TRUE(exporter);
  for (int i = 0; i < 4; ++i) exporter->Scrape({});  // Idle sessions on both replicas.
  for (int round = 0; round < 3; ++round) {
    // What idle_session_timeout, wait_timeout, a pooler or an administrator does.
    for (const HostPort& replica : env().replicas) {
      if (pg()) {
        testing::AdminExec(env(), replica,
                           "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE usename = 'exporter'");
      } else {
        for (const auto& row : testing::AdminQuery(
                 env(), replica,
                 "SELECT id FROM information_schema.processlist WHERE user = 'exporter'")) {
          testing::AdminExec(env(), replica, "KILL CONNECTION " + row[0]);
        }
      }
    }
    for (int i = 0; i < 2; ++i) {
      const std::string text = RenderText(exporter->Scrape({}));
      EXPECT_NE(text.find("count_value 2000\n"), std::string::npos) << text;
      for (const HostPort& replica : env().replicas) {
        EXPECT_NE(text.find("replica_sql_replica_state_changes_total{replica=\"" +
                            replica.ToString() + "\"} 0\n"),
                  std::string::npos)
            << "a closed idle session is no verdict on the replica\n"
            << text;
      }
    }
  }
  EXPECT_EQ(log_.str().find("replica down"), std::string::npos) << log_.str();
}

INSTANTIATE_TEST_SUITE_P(Engines, FaultTest, ::testing::ValuesIn(testing::AllEnvs()),
                         [](const auto& info) { return info.param->name; });

}  // namespace
}  // namespace rse::testing
