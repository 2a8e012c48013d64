// MysqlConnection's batches (MariaDB): a connection's catalog statements of
// one scrape in one message (the session takes several statements), so that
// a replica across a network costs one round trip for all of them. Each keeps
// what it has alone: its tag, its own SET STATEMENT max_statement_time (the
// server times each statement from its own start), its settings, and its own
// watch by the watchdog, armed when the one before it answered. The
// session's transactions are read-only, as for every statement.
//
// After an error the server runs nothing more of the message: the rest go in
// the next one, so one statement's failure costs the others a round trip,
// not their results. MySQL limits a statement through the session
// (max_execution_time), so its statements go one at a time.
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <string>
#include <vector>

#include "db/mysql/mysql_connection.h"

namespace rse::mysql {

void MysqlConnection::StreamBatch(std::vector<BatchStatement>& batch, const Clock& clock) {
  bool together = batch.size() > 1 && info_.mariadb && !in_snapshot_;
  for (const BatchStatement& statement : batch) together = together && Batchable(statement.sql);
  if (!together) return Connection::StreamBatch(batch, clock);
  EnsureThreadInit(driver_);
  guard_.RunBatch(batch.size(), [&](size_t first, const SessionGuard::WatchStatement& watch) {
    return SendAndRead(batch, first, clock, watch);
  });
}

size_t MysqlConnection::SendAndRead(std::vector<BatchStatement>& batch, size_t first,
                                    const Clock& clock,
                                    const SessionGuard::WatchStatement& watch) {
  const TimePoint sent_at = clock.Now();
  size_t count = 0;
  const std::string text = BatchText(batch, first, sent_at, clock, &count);
  if (count == 0) {  // Out of time before it was sent: not sent.
    Ran(batch[first], sent_at, sent_at, Status::DeadlineExceeded("not started before the deadline"));
    return first + 1;
  }
  TimePoint started = sent_at;
  std::unique_ptr<sql::Statement> stmt;
  for (size_t k = 0; k < count; ++k) {
    BatchStatement& statement = batch[first + k];
    watch(statement.deadline.From(started));
    try {
      bool has_rows;
      if (k == 0) {
        stmt.reset(session_->createStatement());
        has_rows = stmt->execute(text);
      } else {
        has_rows = stmt->getMoreResults();
      }
      const TimePoint finished = clock.Now();
      if (!has_rows) {
        // As in Stream(): session state the next statement would inherit.
        // What the rest of the message did is not read: the session goes.
        guard_.MarkBroken();
        Ran(statement, started, finished,
            Status::InvalidArgument("mysql: the query returned no result set: only statements "
                                    "that return rows (SELECT, SHOW...) may be catalog queries; "
                                    "the session it ran on is closed"));
        return batch.size();
      }
      std::unique_ptr<sql::ResultSet> rs(stmt->getResultSet());
      StreamResult(*rs, statement.max_rows, *statement.sink);
      Ran(statement, started, finished, Status::Ok());
      started = finished;
    } catch (...) {
      const bool stopped = guard_.CancelledInStatement();
      Ran(statement, started, clock.Now(),
          guard_.StoppedOr(stopped, Failed(std::current_exception())));
      return first + k + 1;
    }
  }
  return first + count;
}

std::string MysqlConnection::BatchText(const std::vector<BatchStatement>& batch, size_t first,
                                       TimePoint sent_at, const Clock& clock,
                                       size_t* count) const {
  static const std::vector<SessionSetting> kNone;
  std::string text;
  *count = 0;
  for (size_t i = first; i < batch.size(); ++i) {
    const BatchStatement& statement = batch[i];
    // The server counts each limit from the statement's own start; here from
    // the send, which is no later.
    const auto remaining = statement.deadline.From(sent_at).Remaining(clock);
    if (remaining.count() <= 0) break;
    if (*count > 0) text += ";";
    text += Statement(statement.sql, statement.name, remaining.count() / 1000.0,
                      statement.settings ? *statement.settings : kNone);
    ++*count;
  }
  return text;
}

}  // namespace rse::mysql
