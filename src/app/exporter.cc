#include "app/exporter.h"

#include <algorithm>

#include "config/password.h"
#include "db/mysql/mysql_backend.h"
#include "db/postgres/postgres_backend.h"
#include "http/scrape_timeout.h"
#include "model/self_metric_names.h"

namespace rse {
namespace {

PoolOptions MakePoolOptions(const ClusterConfig& cluster, const PoolConfig& pool) {
  PoolOptions options;
  options.connect.database = cluster.database;
  options.connect.user = cluster.user;
  options.connect.connect_timeout = cluster.connect_timeout;
  options.connect.tls_mode = cluster.tls_mode;
  options.connect.tls_ca_file = cluster.tls_ca_file;
  options.connect.tls_cert_file = cluster.tls_cert_file;
  options.connect.tls_key_file = cluster.tls_key_file;
  options.connect.session_sql = cluster.session_sql;
  options.connect.pooler = cluster.pooler;
  options.members_are = cluster.members_are;
  if (cluster.password.kind == PasswordSource::Kind::kCommand) {
    auto command = std::make_shared<PasswordCommand>(cluster.password.command);
    options.password = [command, user = cluster.user, database = cluster.database](
                           const std::string& host, int port) {
      return command->Get({host, port, user, database});
    };
  } else {
    options.password = [source = cluster.password](const std::string&, int) {
      return ResolvePassword(source);
    };
  }
  options.max_replication_lag = cluster.max_replication_lag;
  options.connections_per_replica = pool.connections_per_replica;
  options.probe_timeout = pool.probe_timeout;
  options.connect.statement_timeout = pool.probe_timeout;
  options.rise = pool.rise;
  options.fall = pool.fall;
  options.when_all_lagging = cluster.when_all_lagging;
  return options;
}

// The members at start or reload: the replicas listed, then the SRV names'
// targets (a name that does not resolve yet is looked at again every
// dns_refresh; with no member at all, scrapes say so until one appears).
std::vector<Member> StartMembers(const ClusterConfig& cluster, Logger* logger) {
  std::vector<HostPort> named = cluster.replicas;
  if (Status srv = AddSrvTargets(cluster.replicas_srv, &named); !srv.ok())
    logger->Warn("replicas_srv: retried at scrapes", {{"err", srv.message()}});
  return ExpandMembers(named);
}

}  // namespace

Exporter::Generation::~Generation() {
  engine.reset();  // Stops its work while the pool it uses still lives.
}

Exporter::~Exporter() { AwaitMemberRefresh(); }

void Exporter::AwaitMemberRefresh() {
  MutexLock dns(&dns_mu_);
  if (refresher_.joinable()) refresher_.join();
}

StatusOr<std::shared_ptr<Exporter::Generation>> Exporter::Build(
    const ExporterConfig& config, const QueryCatalog& catalog, const Generation* previous,
    const std::vector<Member>* members) {
  const ClusterConfig& cluster = config.cluster;
  if (cluster.failover == Failover::kAutomatic) {
    return Status::InvalidArgument(config.source +
                                   ": [cluster] failover = \"automatic\" declares master "
                                   "election; " +
                                   kPerInstanceAdvice + ".");
  }
  auto generation = std::make_shared<Generation>();
  generation->config = config;
  // Only the member list changed: the members both lists have keep their
  // sessions, which belong to the backend, so the backend stays too.
  auto same_but_members = [&](const Generation& before) {
    ClusterConfig a = before.config.cluster, b = cluster;
    a.replicas.clear();
    b.replicas.clear();
    a.replicas_srv.clear();
    b.replicas_srv.clear();
    return a == b && before.config.pool == config.pool;
  };
  if (members == nullptr && previous != nullptr && previous->config.cluster == cluster &&
      previous->config.pool == config.pool) {
    generation->backend = previous->backend;
    generation->pool = previous->pool;
  } else {
    const bool adopt = previous != nullptr && same_but_members(*previous);
    generation->backend = adopt ? previous->backend
                          : cluster.engine == Engine::kPostgres ? MakePostgresBackend(clock_)
                                                                : MakeMysqlBackend(clock_);
    generation->pool = std::make_shared<ReplicaPool>(members ? *members : StartMembers(cluster, logger_),
                                                     MakePoolOptions(cluster, config.pool),
                                                     generation->backend.get(), clock_, logger_);
    if (adopt) generation->members_kept = generation->pool->AdoptMembersFrom(*previous->pool);
    // One look at every member when the cluster is (re)configured; nothing polls afterwards.
    Deadline check = Deadline::After(*clock_, cluster.connect_timeout + config.scrape.timeout);
    if (Status election = generation->pool->CheckForMasterElection(check); !election.ok()) {
      return Status::InvalidArgument(election.message() + ".");
    }
  }
  ScrapeEngineOptions options;
  options.max_concurrent_queries = config.scrape.max_concurrent_queries;
  // As many workers as statements can run at once: one per pooled connection,
  // and at least one scrape's worth.
  options.workers = std::max(config.scrape.max_concurrent_queries,
                             config.pool.connections_per_replica *
                                 static_cast<int>(generation->pool->members().size()));
  options.default_refresh_timeout = config.scrape.timeout;
  generation->engine = std::make_unique<ScrapeEngine>(catalog.queries, options,
                                                      generation->pool.get(), clock_, logger_);
  return generation;
}

StatusOr<std::unique_ptr<Exporter>> Exporter::Create(const ExporterConfig& config,
                                                     const QueryCatalog& catalog, Logger* logger,
                                                     const Clock* clock) {
  std::unique_ptr<Exporter> exporter(new Exporter(logger, clock));
  auto generation = exporter->Build(config, catalog, nullptr);
  if (!generation.ok()) return generation.status();
  {
    // Nobody else sees the exporter yet; the locks are for the analysis.
    MutexLock reload_lock(&exporter->reload_mu_);
    MutexLock lock(&exporter->mu_);
    MutexLock dns(&exporter->dns_mu_);
    exporter->current_ = std::move(*generation);
    exporter->catalog_ = catalog;
    exporter->next_resolution_ = clock->Now() + config.cluster.dns_refresh;
  }
  return exporter;
}

std::shared_ptr<Exporter::Generation> Exporter::current() const {
  MutexLock lock(&mu_);
  return current_;
}

Status Exporter::Reload(const ExporterConfig& config, const QueryCatalog& catalog,
                        ReloadSummary* summary) {
  MutexLock reload_lock(&reload_mu_);
  std::shared_ptr<Generation> previous = current();
  auto next = Build(config, catalog, previous.get());
  if (!next.ok()) return next.status();
  std::vector<std::string> kept = (*next)->engine->AdoptFrom(*previous->engine);
  if (summary != nullptr) {
    summary->queries = catalog.queries.size();
    summary->queries_kept = kept.size();
    summary->pool_kept = (*next)->pool == previous->pool;
    summary->members_kept = summary->pool_kept ? (*next)->pool->Snapshot().size()
                                               : (*next)->members_kept;
  }
  catalog_ = catalog;
  MutexLock lock(&mu_);
  current_ = *next;
  // `previous` goes when the last scrape using it ends.
  return Status::Ok();
}

void Exporter::RefreshMembers() {
  std::shared_ptr<Generation> generation = current();
  const ClusterConfig& cluster = generation->config.cluster;
  if (cluster.dns_refresh.count() == 0 ||
      (!AnyHostName(cluster.replicas) && cluster.replicas_srv.empty()))
    return;
  // No scrape waits for a resolution: at most one runs, on its own thread (a
  // resolver that does not answer costs its timeout there, not a scrape's).
  if (!dns_mu_.TryLock()) return;
  StartResolution(*generation);
  dns_mu_.Unlock();
}

void Exporter::StartResolution(const Generation& generation) {
  if (refreshing_) return;
  // A pool without members (an SRV name that did not resolve yet) looks at every scrape.
  const bool empty = generation.pool->members().empty();
  if (clock_->Now() < next_resolution_ && !empty) return;
  next_resolution_ = clock_->Now() + generation.config.cluster.dns_refresh;
  if (refresher_.joinable()) refresher_.join();  // Finished: refreshing_ was false.
  refreshing_ = true;
  refresher_ = std::thread([this] {
    ResolveMembersAgain();
    refreshing_ = false;
  });
}

void Exporter::ResolveMembersAgain() {
  std::shared_ptr<Generation> generation = current();
  const ClusterConfig& cluster = generation->config.cluster;
  std::vector<HostPort> named = cluster.replicas;
  Status srv = AddSrvTargets(cluster.replicas_srv, &named);
  auto members = srv.ok() ? ResolveMembers(named) : StatusOr<std::vector<Member>>(srv);
  if (!members.ok()) {
    ++dns_failed_;
    if (!resolution_failing_)
      logger_->Warn("replica names do not resolve; the members known are kept",
                    {{"err", members.status().message()}});
    resolution_failing_ = true;
    return;
  }
  if (resolution_failing_) logger_->Info("replica names resolve again");
  resolution_failing_ = false;
  if (SameMembers(*members, generation->pool->members())) {
    ++dns_unchanged_;
    return;
  }
  // As a reload of the member list: one at a time with reloads.
  MutexLock reload_lock(&reload_mu_);
  std::shared_ptr<Generation> previous = current();
  if (previous->config.cluster.replicas != cluster.replicas ||
      previous->config.cluster.replicas_srv != cluster.replicas_srv)
    return;  // A reload changed the names meanwhile: its own members stand.
  auto next = Build(previous->config, catalog_, previous.get(), &*members);
  if (!next.ok()) {
    ++dns_failed_;
    logger_->Warn("the resolved replicas were not taken", {{"err", next.status().message()}});
    return;
  }
  (*next)->engine->AdoptFrom(*previous->engine);
  std::string now;
  for (const Member& m : *members) now += (now.empty() ? "" : ",") + m.label;
  logger_->Info("replica addresses changed", {{"replicas", now},
                                               {"members_kept", std::to_string((*next)->members_kept)}});
  ++dns_changed_;
  MutexLock lock(&mu_);
  current_ = *next;
}

void Exporter::AppendFamilies(std::vector<MetricFamily>* families) const {
  families->push_back({kDnsRefreshesMetric,
                       "Resolutions of the replica names at scrape time (dns_refresh), by result: "
                       "the members unchanged, changed, or a name that did not resolve (the "
                       "members known were kept).",
                       MetricType::kCounter,
                       {{{{"result", "unchanged"}}, static_cast<double>(dns_unchanged_.load())},
                        {{{"result", "changed"}}, static_cast<double>(dns_changed_.load())},
                        {{{"result", "failed"}}, static_cast<double>(dns_failed_.load())}}});
}

Exposition Exporter::Scrape(const ScrapeRequest& request) {
  RefreshMembers();
  std::shared_ptr<Generation> generation = current();
  std::optional<std::string_view> header;
  if (request.timeout_header) header = *request.timeout_header;
  const ScrapeConfig& scrape = generation->config.scrape;
  return generation->engine->Scrape(ScrapeBudget(header, scrape.timeout_offset, scrape.timeout),
                                    request.groups);
}

Status Exporter::WithReplicaSession(
    std::chrono::milliseconds budget,
    const std::function<void(Connection&, const std::string&)>& body) {
  std::shared_ptr<Generation> generation = current();
  ScrapeSession session(generation->pool.get(), Deadline::After(*clock_, budget), logger_);
  auto lease = session.Open();
  if (!lease.ok()) return lease.status();
  body(lease->connection(), generation->pool->label(lease->member()));
  return Status::Ok();
}

std::vector<std::string> Exporter::Groups() const { return current()->engine->Groups(); }

std::vector<MemberSnapshot> Exporter::ReplicaStatuses() const { return current()->pool->Snapshot(); }

std::vector<QueryStatus> Exporter::QueryStatuses() const {
  return current()->engine->QueryStatuses();
}

}  // namespace rse
