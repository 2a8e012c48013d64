#include "db/mysql/mysql_backend.h"

#include "db/cancel_watchdog.h"
#include "db/mysql/mysql_connection.h"
#include "db/mysql/mysql_session.h"
#include "db/side_tasks.h"

namespace rse {
namespace {

class MysqlBackend final : public Backend {
 public:
  explicit MysqlBackend(const Clock* clock)
      : driver_(sql::mysql::get_mysql_driver_instance()),
        clock_(clock),
        cancels_(std::chrono::milliseconds(3000)),
        watchdog_(clock) {}

  StatusOr<std::unique_ptr<Connection>> Connect(const ConnectParams& params,
                                                const Deadline& deadline) override {
    auto budget = std::min(params.connect_timeout, deadline.Remaining(*clock_));
    if (budget.count() <= 0) {
      return Status::DeadlineExceeded("mysql " + params.host + ":" + std::to_string(params.port) +
                                      ": no time left to connect");
    }
    mysql::ServerInfo info;
    auto session = mysql::OpenSession(driver_, params, budget, &info);
    if (!session.ok()) return session.status();
    return std::unique_ptr<Connection>(std::make_unique<mysql::MysqlConnection>(
        driver_, params, std::move(*session), info, clock_, &watchdog_, &cancels_));
  }

 private:
  sql::mysql::MySQL_Driver* const driver_;  // A singleton of the connector: never deleted.
  const Clock* const clock_;
  // KILL QUERY side sessions use the connector, whose driver is a static
  // singleton: none may outlive the backend, so shutdown waits for them, at
  // most their connect timeout (2 s) against a hung server.
  SideTasks cancels_;
  CancelWatchdog watchdog_;  // After cancels_: stopped first.
};

}  // namespace

std::unique_ptr<Backend> MakeMysqlBackend(const Clock* clock) {
  return std::make_unique<MysqlBackend>(clock);
}

}  // namespace rse
