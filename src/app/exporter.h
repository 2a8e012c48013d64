// The whole exporter for one cluster, wired from a loaded config and catalog:
// backend, replica pool and scrape engine, replaceable by a reload while
// serving. main() adds flags, HTTP and signals.
#pragma once

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "base/log.h"
#include "base/mutex.h"
#include "base/status.h"
#include "catalog/query_catalog.h"
#include "collect/scrape_engine.h"
#include "config/exporter_config.h"
#include "http/http_server.h"
#include "model/metric_family.h"
#include "pool/member.h"
#include "pool/replica_pool.h"

namespace rse {

class Exporter {
 public:
  // Refuses a cluster declared (failover = "automatic") or found (Galera,
  // Group Replication) to have master election. Databases that are down are
  // fine: the exporter starts and recovers when they return.
  static StatusOr<std::unique_ptr<Exporter>> Create(const ExporterConfig& config,
                                                    const QueryCatalog& catalog, Logger* logger,
                                                    const Clock* clock);
  ~Exporter();

  // Swaps in a new config and catalog for the scrapes that start from now
  // on; a scrape in flight finishes on the old ones. Unchanged queries keep
  // their cached results and counters; an unchanged [cluster] and [pool] keep
  // the pool and its connections; when only the replica list changed, the
  // members still listed keep theirs. On an error nothing changes.
  struct ReloadSummary {
    size_t queries = 0;
    size_t queries_kept = 0;  // Same definition: cached result and counters kept.
    bool pool_kept = false;
    size_t members_kept = 0;  // Members whose sessions, health and counters carried over.
  };
  Status Reload(const ExporterConfig& config, const QueryCatalog& catalog,
                ReloadSummary* summary = nullptr);

  // Runs the catalog for one scrape. When a replica is given by name (or SRV)
  // and dns_refresh has passed, the scrape also starts resolving the names
  // again beside it, never waiting for the resolver: a changed address list
  // becomes a new pool for the scrapes after it, taking over the members
  // still listed (their sessions, health and counters), as a reload of the
  // member list would.
  Exposition Scrape(const ScrapeRequest& request);

  // Runs `body` on a session of the replica a scrape would take now (probed
  // as a scrape probes it) with its label; the session must be opened within
  // `budget`. For tools (--dry-run --explain). The error of a failed open.
  Status WithReplicaSession(std::chrono::milliseconds budget,
                            const std::function<void(Connection&, const std::string&)>& body);

  // The query groups of the catalog now served (see QuerySpec::group).
  std::vector<std::string> Groups() const;

  // What /status shows: the members of the pool now serving, and every query.
  std::vector<MemberSnapshot> ReplicaStatuses() const;
  std::vector<QueryStatus> QueryStatuses() const;

  // Waits for a resolution a scrape started, if any (tests, shutdown).
  void AwaitMemberRefresh();

  // replica_sql_dns_refreshes_total{result="unchanged|changed|failed"}.
  void AppendFamilies(std::vector<MetricFamily>* families) const;

 private:
  // What one loaded config runs on. Declared so that destruction goes engine,
  // pool, backend; pool and backend may be shared with the next generation.
  struct Generation {
    ExporterConfig config;
    std::shared_ptr<Backend> backend;
    std::shared_ptr<ReplicaPool> pool;
    std::unique_ptr<ScrapeEngine> engine;
    size_t members_kept = 0;  // Taken over from the previous pool when only members changed.
    ~Generation();
  };

  Exporter(Logger* logger, const Clock* clock) : logger_(logger), clock_(clock) {}
  // A generation for `config`: the pool of `previous` when its cluster and
  // pool settings are the same, else a new one, checked for master election.
  // With `members`, a new pool over them, adopting from `previous`'s.
  StatusOr<std::shared_ptr<Generation>> Build(const ExporterConfig& config,
                                              const QueryCatalog& catalog,
                                              const Generation* previous,
                                              const std::vector<Member>* members = nullptr);
  // The DNS refresh of Scrape(): starts ResolveMembersAgain() on its own
  // thread when due; at most one at a time, never blocking a scrape.
  void RefreshMembers();
  void StartResolution(const Generation& generation) REQUIRES(dns_mu_);
  // Resolves the names; swaps in a pool over the new member list if it changed.
  void ResolveMembersAgain();
  std::shared_ptr<Generation> current() const;

  Logger* const logger_;
  const Clock* const clock_;
  Mutex reload_mu_;  // One reload at a time.
  mutable Mutex mu_;
  std::shared_ptr<Generation> current_ GUARDED_BY(mu_);
  QueryCatalog catalog_ GUARDED_BY(reload_mu_);  // The catalog current_ runs.
  Mutex dns_mu_;
  TimePoint next_resolution_ GUARDED_BY(dns_mu_){};
  bool resolution_failing_ = false;       // Only the refresher thread uses it.
  std::atomic<bool> refreshing_{false};   // A resolution is running.
  std::atomic<uint64_t> dns_unchanged_{0}, dns_changed_{0}, dns_failed_{0};
  std::thread refresher_ GUARDED_BY(dns_mu_);  // The resolution running or last run.
};

}  // namespace rse
