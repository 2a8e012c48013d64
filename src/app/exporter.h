// The whole exporter for one cluster, wired from a loaded config and catalog:
// backend, replica pool and scrape engine. main() adds flags, HTTP and signals.
#pragma once

#include <memory>

#include "base/log.h"
#include "base/status.h"
#include "catalog/query_catalog.h"
#include "collect/scrape_engine.h"
#include "config/exporter_config.h"
#include "http/http_server.h"
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

  std::vector<MetricFamily> Scrape(const ScrapeRequest& request);

 private:
  explicit Exporter(const ScrapeConfig& scrape) : scrape_config_(scrape) {}

  const ScrapeConfig scrape_config_;
  std::unique_ptr<Backend> backend_;
  std::unique_ptr<ReplicaPool> pool_;
  std::unique_ptr<ScrapeEngine> engine_;  // Declared last: destroyed first.
};

}  // namespace rse
