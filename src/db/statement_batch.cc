#include "db/statement_batch.h"

#include "db/connection.h"
#include "db/sql_text.h"

namespace rse {

bool Batchable(std::string_view sql) {
  return WithoutTrailingSemicolons(sql).find(';') == std::string_view::npos;
}

void Ran(BatchStatement& statement, TimePoint started, TimePoint finished, Status status) {
  statement.ran = true;
  statement.started = started;
  statement.finished = finished;
  statement.status = std::move(status);
}

void Connection::StreamBatch(std::vector<BatchStatement>& batch, const Clock& clock) {
  for (BatchStatement& statement : batch) {
    if (!Usable()) return;  // The rest did not run.
    statement.started = clock.Now();
    static const std::vector<SessionSetting> kNone;
    statement.status =
        Stream(statement.sql, statement.deadline.From(statement.started), statement.name,
               statement.max_rows, *statement.sink,
               statement.settings ? *statement.settings : kNone);
    statement.ran = true;
    statement.finished = clock.Now();
  }
}

}  // namespace rse
