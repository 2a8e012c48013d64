#include "collect/query_runner.h"

#include <gtest/gtest.h>

#include "fakes/fake_clock.h"

namespace rse {
namespace {

using namespace std::chrono_literals;

// A connection whose one query answers with `answer`, taking `takes` of fake time.
class ScriptedConnection final : public Connection {
 public:
  ScriptedConnection(testing::FakeClock* clock, StatusOr<RowSet> answer,
                     std::chrono::milliseconds takes = 0ms)
      : clock_(clock), answer_(std::move(answer)), takes_(takes) {}
  Status Stream(std::string_view sql, const Deadline&, std::string_view, size_t max_rows,
                RowSink& sink, const std::vector<SessionSetting>& settings) override {
    last_settings = settings;
    last_max_rows = max_rows;
    last_sql = std::string(sql);
    if (on_query) on_query();
    clock_->Advance(takes_);
    if (!answer_.ok()) return answer_.status();
    StreamRowSet(*answer_, max_rows, sink);
    return Status::Ok();
  }
  Status BeginSnapshot(const Deadline&) override { return Status::Ok(); }
  void EndSnapshot() override {}
  StatusOr<ReplicaState> Probe(const Deadline&) override { return ReplicaState{}; }
  void Cancel() override { ++cancels; }
  void Abort() override {}
  bool Usable() const override { return true; }

  std::string last_sql;
  std::vector<SessionSetting> last_settings;
  size_t last_max_rows = 0;
  int cancels = 0;
  std::function<void()> on_query;

 private:
  testing::FakeClock* clock_;
  StatusOr<RowSet> answer_;
  std::chrono::milliseconds takes_;
};

QuerySpec Query() {
  QuerySpec q;
  q.name = "orders";
  q.sql = "SELECT n";
  MetricSpec m;
  m.name = "shop_orders";
  m.help = "Orders.";
  m.value_column = "n";
  q.metrics.push_back(m);
  return q;
}

class QueryRunnerTest : public ::testing::Test {
 protected:
  Deadline Soon() { return Deadline(clock_.Now() + 5s); }
  testing::FakeClock clock_;
  QueryRunner runner_{&clock_};
};

TEST_F(QueryRunnerTest, MapsRowsAndMeasuresTheRun) {
  ScriptedConnection conn(&clock_, RowSet{{{"n", ColumnKind::kInteger}}, {{Cell("7")}}}, 250ms);
  SharedOutcome outcome = runner_.Run(Query(), conn, Soon());
  ASSERT_TRUE(outcome->ok()) << outcome->status.message();
  EXPECT_EQ(conn.last_sql, "SELECT n");
  EXPECT_EQ(conn.last_max_rows, 10001u) << "max_series (default 10000) + 1: enough to tell";
  EXPECT_EQ(outcome->rows, 1u);
  ASSERT_EQ(outcome->families.size(), 1u);
  EXPECT_EQ(outcome->families[0].samples[0].value, 7);
  EXPECT_DOUBLE_EQ(outcome->duration_seconds, 0.25);
  EXPECT_EQ(outcome->finished_at, clock_.Now());
  EXPECT_TRUE(conn.last_settings.empty());
}

TEST_F(QueryRunnerTest, TheQuerysSettingsGoWithItsStatement) {
  ScriptedConnection conn(&clock_, RowSet{{{"n", ColumnKind::kInteger}}, {{Cell("7")}}});
  QuerySpec query = Query();
  query.settings = {{"work_mem", "'64MB'"}};
  ASSERT_TRUE(runner_.Run(query, conn, Soon())->ok());
  EXPECT_EQ(conn.last_settings, query.settings);
}

struct FailureCase {
  const char* name;
  Status status;
  QueryError want;
};

TEST_F(QueryRunnerTest, KeepsTheBackendsStatusAndTypesTheReason) {
  const FailureCase cases[] = {
      {"timeout", Status::DeadlineExceeded("postgres: statement stopped at its deadline"),
       QueryError::kTimeout},
      {"connection", Status::Unavailable("postgres: connection lost"), QueryError::kConnection},
      {"sql", Status::InvalidArgument("relation \"nope\" does not exist [SQLSTATE 42P01]"),
       QueryError::kSql},
  };
  for (const FailureCase& c : cases) {
    SCOPED_TRACE(c.name);
    ScriptedConnection conn(&clock_, c.status, 100ms);
    SharedOutcome outcome = runner_.Run(Query(), conn, Soon());
    EXPECT_FALSE(outcome->ok());
    EXPECT_EQ(outcome->reason, c.want);
    EXPECT_EQ(outcome->status.code(), c.status.code());
    EXPECT_EQ(outcome->status.message(), c.status.message());
    EXPECT_DOUBLE_EQ(outcome->duration_seconds, 0.1) << "a failed run reports the time it ran";
    EXPECT_TRUE(outcome->families.empty());
  }
}

TEST_F(QueryRunnerTest, AMappingFailureFailsTheQueryWithItsReason) {
  ScriptedConnection conn(&clock_, RowSet{{{"n", ColumnKind::kText}}, {{Cell("many")}}});
  SharedOutcome outcome = runner_.Run(Query(), conn, Soon());
  EXPECT_FALSE(outcome->ok());
  EXPECT_EQ(outcome->reason, QueryError::kInvalidValue);
  EXPECT_NE(outcome->status.message().find("\"many\" is not a number"), std::string::npos)
      << outcome->status.message();
  EXPECT_TRUE(outcome->families.empty());
  EXPECT_EQ(outcome->rows, 1u);
}

TEST_F(QueryRunnerTest, ShutdownCancelsWhatRunsAndRefusesWhatComes) {
  ScriptedConnection conn(&clock_, RowSet{{{"n", ColumnKind::kInteger}}, {{Cell("1")}}});
  conn.on_query = [&] { runner_.Shutdown(); };  // Shutdown while the statement runs.
  SharedOutcome during = runner_.Run(Query(), conn, Soon());
  EXPECT_EQ(conn.cancels, 1);
  SharedOutcome after = runner_.Run(Query(), conn, Soon());
  EXPECT_FALSE(after->ok());
  EXPECT_EQ(after->reason, QueryError::kConnection);
  EXPECT_NE(after->status.message().find("shutting down"), std::string::npos);
}

}  // namespace
}  // namespace rse
