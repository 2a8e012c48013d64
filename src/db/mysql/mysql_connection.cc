#include "db/mysql/mysql_connection.h"

#include <cppconn/datatype.h>
#include <cppconn/resultset.h>
#include <cppconn/resultset_metadata.h>
#include <cppconn/statement.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <utility>

#include "db/query_tag.h"
#include "db/sql_text.h"

namespace rse::mysql {
namespace {

ColumnKind KindOf(int type) {
  switch (type) {
    case sql::DataType::BIT:
    case sql::DataType::TINYINT:
    case sql::DataType::SMALLINT:
    case sql::DataType::MEDIUMINT:
    case sql::DataType::INTEGER:
    case sql::DataType::BIGINT:
    case sql::DataType::YEAR: return ColumnKind::kInteger;
    case sql::DataType::DECIMAL:
    case sql::DataType::NUMERIC: return ColumnKind::kDecimal;
    case sql::DataType::REAL:
    case sql::DataType::DOUBLE: return ColumnKind::kFloat;
    case sql::DataType::TIMESTAMP:
    case sql::DataType::DATE: return ColumnKind::kTimestamp;
    case sql::DataType::CHAR:
    case sql::DataType::VARCHAR:
    case sql::DataType::LONGVARCHAR:
    case sql::DataType::ENUM:
    case sql::DataType::SET: return ColumnKind::kText;
    default: return ColumnKind::kOther;
  }
}

// Passes up to `max_rows` rows to `sink`, each converted from the result set
// as it is reached.
void StreamAll(sql::ResultSet& rs, size_t max_rows, RowSink& sink) {
  std::vector<Column> columns;
  sql::ResultSetMetaData* meta = rs.getMetaData();  // Owned by the result set.
  const unsigned int count = meta->getColumnCount();
  for (unsigned int c = 1; c <= count; ++c)
    columns.push_back({std::string(meta->getColumnLabel(c)), KindOf(meta->getColumnType(c))});
  sink.Begin(std::move(columns), std::min<size_t>(rs.rowsCount(), max_rows));
  std::vector<std::string> values(count);
  std::vector<CellView> cells(count);
  size_t delivered = 0;
  while (rs.next()) {
    if (delivered == max_rows) {
      sink.Truncated();
      return;
    }
    for (unsigned int c = 1; c <= count; ++c) {
      values[c - 1] = rs.getString(c);
      cells[c - 1] = rs.wasNull() ? CellView() : CellView(values[c - 1]);
    }
    ++delivered;
    if (!sink.Row(cells)) return;
  }
}

// True when the statement's text returned no other result set; else reads
// and drops them and says false. Either way nothing is left unread, so the
// session stays in step: Connector/C++ 1.1 says "no result set" both at the
// end and for a statement that returned none (its getUpdateCount() is -1 for
// both), so it keeps asking until several answers in a row were "none".
bool EndOfResults(sql::Statement& stmt) {
  constexpr int kNoneInARow = 16;
  bool more = false;
  for (int none = 0; none < kNoneInARow;) {
    if (!stmt.getMoreResults()) {
      ++none;
      continue;
    }
    none = 0;
    more = true;
    std::unique_ptr<sql::ResultSet> rs(stmt.getResultSet());
  }
  return !more;
}

}  // namespace

MysqlConnection::MysqlConnection(sql::mysql::MySQL_Driver* driver, ConnectParams params,
                                 std::unique_ptr<sql::Connection> session, ServerInfo info,
                                 const Clock* clock, CancelWatchdog* watchdog, SideTasks* cancels)
    : driver_(driver),
      params_(std::move(params)),
      session_(std::move(session)),
      info_(info),
      cancels_(cancels),
      guard_(
          "mysql", clock, watchdog, [this] { Cancel(); }, [this] { Abort(); }) {}

MysqlConnection::~MysqlConnection() { EnsureThreadInit(driver_); }

Status MysqlConnection::Stream(std::string_view sql, const Deadline& deadline,
                               std::string_view name, size_t max_rows, RowSink& sink,
                               const std::vector<SessionSetting>& settings) {
  if (!settings.empty() && !info_.mariadb) {
    // MySQL has no statement-scoped SET; a session SET would outlive the query.
    return Status::InvalidArgument(
        "mysql: [query.settings] needs MariaDB's SET STATEMENT ... FOR; this server is MySQL");
  }
  auto done = Run<bool>(deadline, [&](sql::Statement& stmt, double seconds) -> StatusOr<bool> {
    bool has_rows;
    if (info_.mariadb) {
      has_rows = stmt.execute(Statement(sql, name, seconds, settings));
    } else {
      char limit[64];
      std::snprintf(limit, sizeof limit, "SET SESSION max_execution_time = %lld",
                    static_cast<long long>(seconds * 1000));
      stmt.execute(limit);
      has_rows = stmt.execute(Statement(sql, name, seconds, settings));
    }
    if (!has_rows) {
      // SET, USE, SELECT ... INTO: session state the next query would inherit
      // (SET sql_select_limit = 1 silently truncates every later result), and
      // MySQL session variables are not transactional. Never reuse the session.
      guard_.MarkBroken();
      return Status::InvalidArgument(
          "mysql: the query returned no result set: only statements that return rows (SELECT, "
          "SHOW...) may be catalog queries; the session it ran on is closed");
    }
    {
      std::unique_ptr<sql::ResultSet> rs(stmt.getResultSet());
      StreamAll(*rs, max_rows, sink);
    }
    // Sessions take several statements in one message (for batches): text
    // that held more than one ran them all, and what they returned is read
    // here so that nothing is left for the next statement. One statement per
    // query, as on PostgreSQL's pipelines.
    if (EndOfResults(stmt)) return true;
    guard_.MarkBroken();  // What else the text did to the session is not known.
    return Status::InvalidArgument(
        "mysql: the query holds several statements; a catalog query must be one");
  });
  return done.ok() ? Status::Ok() : done.status();
}

std::string MysqlConnection::Statement(std::string_view sql, std::string_view name,
                                       double seconds,
                                       const std::vector<SessionSetting>& settings) const {
  const std::string tag = QueryComment(name);  // Leads, so the processlist shows it first.
  const std::string statement = StatementOnOwnLines(sql);
  if (!info_.mariadb) return tag + statement;  // MySQL: limited by the session (see Stream).
  // The query's own settings, for this statement only (SET STATEMENT ... FOR).
  std::string scoped;
  for (const SessionSetting& setting : settings) scoped += ", " + setting.name + " = " + setting.literal;
  char limit[64];
  std::snprintf(limit, sizeof limit, "SET STATEMENT max_statement_time = %.3f", seconds);
  return tag + limit + scoped + " FOR" + statement;
}

void MysqlConnection::StreamResult(sql::ResultSet& rs, size_t max_rows, RowSink& sink) {
  StreamAll(rs, max_rows, sink);
}

Status MysqlConnection::BeginSnapshot(const Deadline& deadline) {
  auto begun = Run<bool>(deadline, [&](sql::Statement& stmt, double) -> StatusOr<bool> {
    // The isolation level for the next transaction only: the session's own
    // (maybe READ COMMITTED, from the server's configuration) is left as it is.
    stmt.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
    stmt.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
    return true;
  });
  if (!begun.ok()) return begun.status();
  in_snapshot_ = true;
  snapshot_deadline_ = deadline;
  return Status::Ok();
}

void MysqlConnection::EndSnapshot() {
  if (!std::exchange(in_snapshot_, false)) return;
  auto ended = Run<bool>(snapshot_deadline_, [&](sql::Statement& stmt, double) -> StatusOr<bool> {
    stmt.execute("ROLLBACK");
    return true;
  });
  // Left open, the session's next statement would still see the old snapshot.
  if (!ended.ok()) guard_.MarkBroken();
}

Status MysqlConnection::UseDatabase(const std::string& database, const Deadline& deadline) {
  const std::string& target = database;
  // USE cannot leave a schema for none: a session moved away from no
  // default database is closed instead of moved back.
  if (target.empty())
    return Status::InvalidArgument("mysql: a session cannot return to no default database");
  if (in_snapshot_) return Status::InvalidArgument("mysql: no USE inside a snapshot");
  std::string quoted = "`";  // An identifier: backquotes doubled, nothing else to escape.
  for (char c : target) quoted += c == '`' ? std::string("``") : std::string(1, c);
  quoted += '`';
  auto used = Run<bool>(deadline, [&](sql::Statement& stmt, double) -> StatusOr<bool> {
    stmt.execute("USE " + quoted);
    return true;
  });
  return used.ok() ? Status::Ok() : used.status();
}

template <typename T>
StatusOr<T> MysqlConnection::Run(const Deadline& deadline,
                                 const std::function<StatusOr<T>(sql::Statement&, double)>& body) {
  EnsureThreadInit(driver_);
  return guard_.Run<T>(deadline, [&](std::chrono::milliseconds remaining) -> StatusOr<T> {
    // No transaction of our own: the session's SET SESSION TRANSACTION READ
    // ONLY makes every statement read-only, autocommit ones included (a write
    // or DDL fails with 1792, SQLSTATE 25006), so a query costs one round trip,
    // not three (START TRANSACTION, the query, COMMIT).
    try {
      std::unique_ptr<sql::Statement> stmt(session_->createStatement());
      return body(*stmt, remaining.count() / 1000.0);
    } catch (...) {
      return Failed(std::current_exception());
    }
  });
}

// The probe's (mysql_probe.cc).
template StatusOr<ReplicaState> MysqlConnection::Run<ReplicaState>(
    const Deadline& deadline,
    const std::function<StatusOr<ReplicaState>(sql::Statement&, double)>& body);

Status MysqlConnection::Failed(std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const sql::SQLException& e) {
    bool lost = false;
    Status status = FromSqlException(e, &lost);
    if (lost) guard_.MarkBroken();
    return status;
  } catch (const std::exception& e) {
    guard_.MarkBroken();
    return Status::Unavailable(std::string("mysql: ") + e.what());
  }
}

void MysqlConnection::Cancel() {
  if (!guard_.RequestCancel()) return;
  // The connector cannot cancel: a second session asks the server to KILL
  // QUERY. Opening it may take the whole connect timeout (2 s) against a hung
  // server, so it runs as a side task; it holds copies only. The server-side
  // time limit still stops the statement.
  // One at a time per server, as for PostgreSQL (a side session times out
  // here, but a server that accepts and never answers a statement does not).
  cancels_->Run(params_.host + ":" + std::to_string(params_.port),
                [driver = driver_, params = params_, id = info_.connection_id] {
    EnsureThreadInit(driver);
    ServerInfo side_info;
    auto side = OpenSession(driver, params, std::chrono::seconds(2), &side_info);
    if (!side.ok()) return;
    try {
      std::unique_ptr<sql::Statement> stmt((*side)->createStatement());
      stmt->execute("KILL QUERY " + std::to_string(id));
    } catch (const sql::SQLException&) {
      // The statement may have ended on its own meanwhile (errno 1094: unknown thread).
    }
  });
}

void MysqlConnection::Abort() {
  guard_.MarkBroken();
  // The connector's blocked read then fails at once (errno 2013, lost connection).
  if (info_.socket_fd >= 0) ::shutdown(info_.socket_fd, SHUT_RDWR);
}

bool MysqlConnection::Usable() const { return guard_.Usable(); }

}  // namespace rse::mysql
