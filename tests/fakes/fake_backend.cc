#include "fakes/fake_backend.h"

#include <algorithm>
#include <atomic>

namespace rse::testing {

ReplicaState HealthyReplica(double lag) { return ReplicaState{true, true, true, lag, "", ""}; }
ReplicaState ElectionMember(const std::string& system) {
  ReplicaState state = HealthyReplica();
  state.election = system;
  return state;
}
ReplicaState Primary() { return ReplicaState{false, false, false, std::nullopt, "", ""}; }

class FakeConnection final : public Connection {
 public:
  // `server`: which of the member's `servers` this session reached (-1: none).
  FakeConnection(FakeBackend* backend, int port, int generation, int server, std::string database)
      : backend_(backend),
        port_(port),
        generation_(generation),
        server_(server),
        database_(std::move(database)) {}
  ~FakeConnection() override {
    backend_->Edit(port_, [](FakeMember& m) { --m.open_connections; });
  }

  Status Stream(std::string_view sql, const Deadline& deadline, std::string_view,
                size_t max_rows, RowSink& sink,
                const std::vector<SessionSetting>& settings) override {
    backend_->Edit(port_, [&](FakeMember& m) {
      m.last_settings = settings;
      std::string entry = std::to_string(id_) + (database_.empty() ? "" : "@" + database_) + ":" +
                          std::string(sql);
      if (snapshot_ > 0) entry += " (in snapshot " + std::to_string(snapshot_) + ")";
      m.statements.push_back(std::move(entry));
    });
    StatusOr<RowSet> rows = Rows(sql, deadline);
    if (!rows.ok()) return rows.status();
    StreamRowSet(*rows, max_rows, sink);
    return Status::Ok();
  }

  void StreamBatch(std::vector<BatchStatement>& batch, const Clock& clock) override {
    backend_->Edit(port_, [&](FakeMember& m) { m.batches.push_back(batch.size()); });
    Connection::StreamBatch(batch, clock);
  }

  StatusOr<RowSet> Rows(std::string_view sql, const Deadline& deadline) {
    std::function<StatusOr<RowSet>(std::string_view, const Deadline&)> query;
    std::function<StatusOr<RowSet>(std::string_view, const std::string&)> query_in;
    bool closed = false;
    bool on_primary = false;
    bool silent = false;
    std::function<void(const Deadline&)> on_silence;
    backend_->Edit(port_, [&](FakeMember& m) {
      closed = m.generation != generation_;
      on_primary = server_ >= 0 && !m.servers[server_].is_replica;
      if (!closed && !on_primary) ++m.queries;
      silent = m.stops_answering;
      on_silence = m.on_silence;
      query = m.query;
      query_in = m.query_in;
    });
    if (closed) return Closed();
    if (silent) {
      if (on_silence) on_silence(deadline);
      unresponsive_ = broken_ = true;
      return Status::DeadlineExceeded(
          "fake: stopped at its deadline; the server did not answer in time and the session was "
          "closed");
    }
    if (on_primary) {
      broken_ = true;
      return Status::FailedPrecondition("the server this session reached is not a replica");
    }
    if (!query && !query_in) return RowSet{{{"v", ColumnKind::kInteger}}, {{Cell("1")}}};
    auto result = query_in ? query_in(sql, database_) : query(sql, deadline);
    if (!result.ok() && result.status().code() == Status::Code::kUnavailable) broken_ = true;
    return result;
  }

  Status BeginSnapshot(const Deadline&) override {
    Status error;
    bool closed = false;
    backend_->Edit(port_, [&](FakeMember& m) {
      closed = m.generation != generation_;
      error = m.snapshot_error;
      if (!closed && error.ok()) snapshot_ = ++m.snapshots_begun;
    });
    if (closed) return Closed();
    if (error.code() == Status::Code::kUnavailable) broken_ = true;
    return error;
  }

  void EndSnapshot() override {
    snapshot_ = 0;
    backend_->Edit(port_, [](FakeMember& m) { ++m.snapshots_ended; });
  }

  Status UseDatabase(const std::string& database, const Deadline&) override {
    Status status = Status::InvalidArgument("this session stays in its database");
    backend_->Edit(port_, [&](FakeMember& m) {
      if (!m.switches_database) return;
      const std::string& target = database;
      if (target.empty() || m.missing_databases.count(target)) {
        status = Status::InvalidArgument("unknown database '" + target + "'");
        return;
      }
      ++m.database_switches;
      database_ = target;
      status = Status::Ok();
    });
    return status;
  }

  StatusOr<ReplicaState> Probe(const Deadline&) override {
    StatusOr<ReplicaState> probe = Status::Internal("unset");
    bool closed = false;
    std::function<void()> on_probe;
    backend_->Edit(port_, [&](FakeMember& m) { on_probe = m.on_probe; });
    if (on_probe) on_probe();
    backend_->Edit(port_, [&](FakeMember& m) {
      closed = m.generation != generation_;
      if (!closed) ++m.probes;
      probe = server_ >= 0 ? StatusOr<ReplicaState>(m.servers[server_]) : m.probe;
    });
    if (closed) return Closed();
    if (!probe.ok() && probe.status().code() == Status::Code::kUnavailable) broken_ = true;
    return probe;
  }

  void Cancel() override {
    cancelled_ = true;
    backend_->Edit(port_, [](FakeMember& m) { ++m.cancels; });
  }

  void Abort() override { broken_ = true; }

  bool Usable() const override { return !broken_ && !cancelled_; }
  bool Unresponsive() const override { return unresponsive_; }

 private:
  Status Closed() {
    broken_ = true;
    return Status::Unavailable("server closed the connection unexpectedly");
  }

  FakeBackend* const backend_;
  const int port_;
  const int generation_;
  const int server_;
  std::string database_;  // The one it is in now.
  const int id_ = next_id_++;
  int snapshot_ = 0;  // The member's snapshot this session is in; 0: none.
  static inline std::atomic<int> next_id_ = 1;
  std::atomic<bool> broken_ = false;
  std::atomic<bool> cancelled_ = false;
  std::atomic<bool> unresponsive_ = false;
};

StatusOr<std::unique_ptr<Connection>> FakeBackend::Connect(const ConnectParams& params,
                                                           const Deadline&) {
  Status error;
  int generation = 0;
  int server = -1;
  std::function<void()> on_connect;
  Edit(params.port, [&](FakeMember& m) { on_connect = m.on_connect; });
  if (on_connect) on_connect();
  Edit(params.port, [&](FakeMember& m) {
    if (!m.servers.empty()) server = m.connects % static_cast<int>(m.servers.size());
    ++m.connects;
    error = m.connect_error;
    if (error.ok() && m.connects_allowed >= 0 && m.connects > m.connects_allowed)
      error = Status::Unavailable("timeout expired");
    if (error.ok() && m.missing_databases.count(params.database))
      error = Status::Unavailable("database \"" + params.database + "\" does not exist");
    generation = m.generation;
    if (error.ok()) m.peak_open_connections = std::max(m.peak_open_connections, ++m.open_connections);
  });
  {
    std::lock_guard<std::mutex> lock(mu_);
    last_password_ = params.password;
  }
  if (!error.ok()) return error;
  return std::unique_ptr<Connection>(
      std::make_unique<FakeConnection>(this, params.port, generation, server, params.database));
}

void FakeBackend::Edit(int port, const std::function<void(FakeMember&)>& change) {
  std::lock_guard<std::mutex> lock(mu_);
  change(members_[port]);
}

FakeMember FakeBackend::Get(int port) {
  std::lock_guard<std::mutex> lock(mu_);
  return members_[port];
}

std::string FakeBackend::last_password() {
  std::lock_guard<std::mutex> lock(mu_);
  return last_password_;
}

}  // namespace rse::testing
