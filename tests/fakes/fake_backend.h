// An in-process Backend whose members (keyed by port) are scripted by the
// test: probe answers, connect failures, query results, delays. It counts
// what the code under test did to each member. Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "db/connect_params.h"
#include "db/connection.h"

namespace rse::testing {

struct FakeMember {
  StatusOr<ReplicaState> probe = ReplicaState{true, true, true, 0.0, "", ""};
  // A load balancer: when not empty, each new session lands on the next of
  // these servers in turn (round-robin per connection); its probe answers as
  // that server, and a query on a server that is not a replica fails as the
  // PostgreSQL replica gate does (FailedPrecondition).
  std::vector<ReplicaState> servers;
  Status connect_error;
  // Connects that succeed before each fails with Unavailable (a member that
  // stopped accepting sessions while those it has still work); -1: no limit.
  int connects_allowed = -1;
  // Called at every connect, outside the backend's lock (a test moves its
  // clock there: a slow connect).
  std::function<void()> on_connect;
  // Called at every probe, outside the backend's lock (a slow answer).
  std::function<void()> on_probe;
  // Statements get no answer, nor does their cancel: each fails as one the
  // watchdog had to break, and its session says it is Unresponsive().
  bool stops_answering = false;
  // Called, outside the backend's lock, with the deadline of a statement that
  // meets stops_answering (a test moves its clock there: the watchdog gave
  // up on the statement then).
  std::function<void(const Deadline&)> on_silence;
  // Answers a query; the default returns one row "v" = "1".
  std::function<StatusOr<RowSet>(std::string_view sql, const Deadline& deadline)> query;
  // Bumping it closes every session opened before (as idle_session_timeout,
  // a pooler or an administrator would): they fail with Unavailable.
  int generation = 0;
  int connects = 0;
  int probes = 0;
  int queries = 0;
  int cancels = 0;
  int open_connections = 0;
  int peak_open_connections = 0;  // The most sessions ever open at once.
  // Per-database fan-out. Sessions opened in (or moved to) these fail as a
  // dropped database does: Connect with Unavailable, UseDatabase with
  // InvalidArgument.
  std::set<std::string> missing_databases;
  // Sessions move between databases (MySQL/MariaDB USE); else each stays in
  // the database it was opened in (PostgreSQL).
  bool switches_database = false;
  int database_switches = 0;
  // When set, answers instead of `query`, told the session's database.
  std::function<StatusOr<RowSet>(std::string_view sql, const std::string& database)> query_in;
  std::vector<SessionSetting> last_settings;  // Of the latest Stream().
  // Consistent snapshots: BeginSnapshot() fails with this when set.
  Status snapshot_error;
  int snapshots_begun = 0;
  int snapshots_ended = 0;
  // Every statement streamed, in order, each as "<connection id>:<sql>"
  // ("<connection id>@<database>:<sql>" in a session with a database), with
  // " (in snapshot <n>)" appended inside the n-th snapshot of the member.
  std::vector<std::string> statements;
  // Every batch (Connection::StreamBatch), as its statements' count; the fake
  // runs a batch's statements one after the other, as Stream() does.
  std::vector<size_t> batches;
};

ReplicaState HealthyReplica(double lag = 0);
// A healthy replica that reports membership in a master-election `system`.
ReplicaState ElectionMember(const std::string& system);
ReplicaState Primary();

class FakeBackend final : public Backend {
 public:
  StatusOr<std::unique_ptr<Connection>> Connect(const ConnectParams& params,
                                                const Deadline& deadline) override;

  // Scripts or inspects a member; call with the lock held via Edit/Get.
  void Edit(int port, const std::function<void(FakeMember&)>& change);
  FakeMember Get(int port);
  std::string last_password();

 private:
  friend class FakeConnection;
  std::mutex mu_;
  std::map<int, FakeMember> members_;  // Guarded by mu_.
  std::string last_password_;          // Guarded by mu_.
};

}  // namespace rse::testing
