// The engine-neutral face of one database session, and of the backends that
// open them. Vendor exceptions never cross these interfaces.
//
// Error codes carry meaning for the pool and the scrape:
//   Unavailable      - the connection or server failed: try another replica;
//   DeadlineExceeded - the statement ran out of time and was stopped on the server;
//   Aborted          - the server cancelled it for its own reasons (a hot standby's recovery
//                      conflict): the session is fine, and another replica may run it;
//   FailedPrecondition - the server this session reached must not serve (it is not a
//                      replica; behind a pooler or load balancer a session may reach
//                      any server): the statement did not run; close the session and
//                      try another;
//   InvalidArgument  - the SQL itself failed (syntax, permission, write attempt): the query's
//   fault.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/deadline.h"
#include "base/session_setting.h"
#include "base/status.h"
#include "db/replica_state.h"
#include "db/row_set.h"
#include "db/statement_batch.h"

namespace rse {

// A session to one server. Used by one thread at a time; Cancel() alone may
// be called from any other thread.
class Connection {
 public:
  virtual ~Connection() = default;

  // Runs `sql` in a read-only transaction with a server-side time limit set
  // to what is left of `deadline`. `name` (a catalog query's name, or empty)
  // makes it identifiable on the server while it runs: PostgreSQL
  // application_name "replica_sql_exporter/<name>", MySQL/MariaDB a leading
  // comment "/* replica_sql_exporter query=<name> */" (processlist, slow log).
  // Rows go to `sink` as they are read; at most `max_rows` of them, then
  // sink.Truncated() if there were more, so a runaway result costs no more
  // than the driver's own buffer. An error status after some rows means the
  // sink's rows are incomplete. `settings` apply to this statement only
  // (PostgreSQL SET LOCAL in its transaction; MariaDB SET STATEMENT ... FOR;
  // MySQL has no such scope and fails a statement that has any).
  virtual Status Stream(std::string_view sql, const Deadline& deadline, std::string_view name,
                        size_t max_rows, RowSink& sink,
                        const std::vector<SessionSetting>& settings) = 0;

  // Runs `batch` in order, each statement as Stream() would run it alone
  // (its own deadline from when it starts, transaction, settings, error), in
  // as few round trips as the engine allows, and fills in each one's `ran`,
  // `status` and times. One statement's failure never fails or cuts
  // another's result. This default runs them one at a time and stops when
  // the session becomes unusable (the rest did not run).
  virtual void StreamBatch(std::vector<BatchStatement>& batch, const Clock& clock);

  // The same, collected into a RowSet (tests, tools).
  StatusOr<RowSet> Query(std::string_view sql, const Deadline& deadline, std::string_view name,
                         size_t max_rows) {
    RowSetSink sink;
    if (Status status = Stream(sql, deadline, name, max_rows, sink, {}); !status.ok())
      return status;
    return std::move(sink.rows);
  }

  // Opens a consistent snapshot: until EndSnapshot(), every Stream() runs in
  // one read-only repeatable-read transaction, so their results agree with
  // each other (PostgreSQL BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY,
  // each statement inside a savepoint so that its settings and its failure
  // stay its own; MySQL/MariaDB START TRANSACTION WITH CONSISTENT SNAPSHOT,
  // READ ONLY). Unavailable when the session failed; FailedPrecondition behind
  // a pooler that cannot hold a transaction across statements.
  virtual Status BeginSnapshot(const Deadline& deadline) = 0;
  // Ends the snapshot (rolled back: it wrote nothing). Always call it after a
  // successful BeginSnapshot(), whatever the statements did; a session whose
  // snapshot cannot end is no longer Usable.
  virtual void EndSnapshot() = 0;

  // Moves the session to `database` for the statements that follow.
  // MySQL/MariaDB select the schema on the session (USE); a PostgreSQL
  // session stays in the database it was opened in, so this fails and the
  // pool opens another session instead. InvalidArgument when the database is
  // empty (USE cannot return to none), missing or not allowed (the session
  // stays usable); Unavailable when the session failed.
  virtual Status UseDatabase(const std::string& database, const Deadline& deadline) {
    (void)deadline;
    return Status::InvalidArgument("this session cannot change its database to \"" + database +
                                   "\"");
  }

  // One look at the server's replication role and state.
  virtual StatusOr<ReplicaState> Probe(const Deadline& deadline) = 0;

  // Asks the server to stop the statement running now, without waiting for
  // it (a hung server may never answer). After a Cancel() the session is no
  // longer Usable (a late cancel could hit the next statement).
  virtual void Cancel() = 0;

  // Breaks the session's socket, so that a statement blocked on a server that
  // does not answer (stopped, hung, black-holed) returns at once. The session
  // is unusable afterwards. Like Cancel(), callable from any thread.
  virtual void Abort() = 0;

  // False once the session failed or was cancelled: the pool discards it.
  virtual bool Usable() const = 0;
  // True once a statement ran past its deadline and the server answered
  // neither it nor its cancel, so the session's socket was broken: the server
  // (or the network to it) does not answer, and the scrape moves elsewhere.
  virtual bool Unresponsive() const { return false; }
  // What the server's settings leave unguarded, found when the session opened
  // (e.g. behind PgBouncer in statement mode, a role without
  // default_transaction_read_only); empty when nothing. The pool logs it once
  // per member.
  virtual std::string SetupAdvice() const { return {}; }
};

struct ConnectParams;

class Backend {
 public:
  virtual ~Backend() = default;
  // Opens a session to the member at `host`:`port`. Unavailable on any failure,
  // with a message that never contains the password.
  virtual StatusOr<std::unique_ptr<Connection>> Connect(const ConnectParams& params,
                                                        const Deadline& deadline) = 0;
};

}  // namespace rse
