#include "app/exporter.h"

#include "config/password.h"
#include "db/mysql/mysql_backend.h"
#include "db/postgres/postgres_backend.h"
#include "http/scrape_timeout.h"

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
  options.password = [source = cluster.password] { return ResolvePassword(source); };
  options.max_replication_lag = cluster.max_replication_lag;
  options.connections_per_replica = pool.connections_per_replica;
  options.probe_timeout = pool.probe_timeout;
  options.rise = pool.rise;
  options.fall = pool.fall;
  options.when_all_lagging = cluster.when_all_lagging;
  return options;
}

}  // namespace

Exporter::~Exporter() = default;

StatusOr<std::unique_ptr<Exporter>> Exporter::Create(const ExporterConfig& config,
                                                     const QueryCatalog& catalog, Logger* logger,
                                                     const Clock* clock) {
  const ClusterConfig& cluster = config.cluster;
  if (cluster.failover == Failover::kAutomatic) {
    return Status::InvalidArgument(config.source +
                                   ": [cluster] failover = \"automatic\" declares master "
                                   "election; " +
                                   kPerInstanceAdvice + ".");
  }
  std::unique_ptr<Exporter> exporter(new Exporter(config.scrape));
  exporter->backend_ =
      cluster.engine == Engine::kPostgres ? MakePostgresBackend(clock) : MakeMysqlBackend(clock);
  exporter->pool_ = std::make_unique<ReplicaPool>(ExpandMembers(cluster.replicas),
                                                  MakePoolOptions(cluster, config.pool),
                                                  exporter->backend_.get(), clock, logger);
  // One look at every member at startup; nothing polls afterwards.
  Deadline startup = Deadline::After(*clock, cluster.connect_timeout + config.scrape.timeout);
  if (Status election = exporter->pool_->CheckForMasterElection(startup); !election.ok()) {
    return Status::InvalidArgument(election.message() + ".");
  }
  ScrapeEngineOptions options;
  options.max_concurrent_queries = config.scrape.max_concurrent_queries;
  options.default_refresh_timeout = config.scrape.timeout;
  exporter->engine_ = std::make_unique<ScrapeEngine>(catalog.queries, options,
                                                     exporter->pool_.get(), clock, logger);
  return exporter;
}

std::vector<MetricFamily> Exporter::Scrape(const ScrapeRequest& request) {
  std::optional<std::string_view> header;
  if (request.timeout_header) header = *request.timeout_header;
  return engine_->Scrape(
      ScrapeBudget(header, scrape_config_.timeout_offset, scrape_config_.timeout));
}

}  // namespace rse
