#include "db/postgres/postgres_backend.h"

#include "db/cancel_watchdog.h"
#include "db/postgres/postgres_connection.h"
#include "db/postgres/postgres_session.h"
#include "db/side_tasks.h"

namespace rse {
namespace {

class PostgresBackend final : public Backend {
 public:
  explicit PostgresBackend(const Clock* clock)
      : clock_(clock), cancels_(std::chrono::milliseconds(500)), watchdog_(clock) {}

  StatusOr<std::unique_ptr<Connection>> Connect(const ConnectParams& params,
                                                const Deadline& deadline) override {
    auto budget = std::min(params.connect_timeout, deadline.Remaining(*clock_));
    if (budget.count() <= 0) {
      return Status::DeadlineExceeded("postgres " + params.host + ":" +
                                      std::to_string(params.port) + ": no time left to connect");
    }
    auto session = postgres::OpenSession(params, budget);
    if (!session.ok()) return session.status();
    std::string advice;
    if (params.pooler == Pooler::kStatement) advice = postgres::StatementModeAdvice(**session);
    auto connection = std::make_unique<postgres::PostgresConnection>(
        std::move(*session), params.pooler, params.replica_gate,
        postgres::TransactionGuards(params), clock_, &watchdog_, &cancels_);
    connection->set_setup_advice(std::move(advice));
    return std::unique_ptr<Connection>(std::move(connection));
  }

 private:
  const Clock* const clock_;
  // A cancel that outlives the backend owns its libpq session: shutdown waits
  // half a second for them, never for a hung server.
  SideTasks cancels_;
  CancelWatchdog watchdog_;  // After cancels_: stopped first.
};

}  // namespace

std::unique_ptr<Backend> MakePostgresBackend(const Clock* clock) {
  return std::make_unique<PostgresBackend>(clock);
}

}  // namespace rse
