// Reload: re-reads the config, the query files and the web config (SIGHUP,
// POST /-/reload), checks all of it as a start would, then swaps the exporter
// and the HTTP server's web config. On any error nothing changes, every error
// is logged with its file:line, and the caller gets them. One at a time.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "app/exporter.h"
#include "app/loaded_config.h"
#include "base/log.h"
#include "base/mutex.h"
#include "http/http_server.h"
#include "status/status_report.h"

namespace rse {

class Reloader {
 public:
  Reloader(ConfigPaths paths, const LoadedConfig& started, Exporter* exporter, HttpServer* server,
           Logger* logger);

  // `trigger` names the cause in the log ("SIGHUP", "POST /-/reload").
  Status Reload(const std::string& trigger);

  // The configuration running now (the last that loaded).
  std::shared_ptr<const LoadedConfig> current() const;

  // The configuration's history, as /status shows it.
  ConfigHistory history() const;

  // replica_sql_config_last_reload_successful and
  // replica_sql_config_last_reload_success_timestamp_seconds.
  void AppendFamilies(std::vector<MetricFamily>* families) const;

 private:
  const ConfigPaths paths_;
  const HostPort listen_;  // The address bound at start; a change needs a restart.
  Exporter* const exporter_;
  HttpServer* const server_;
  Logger* const logger_;
  Mutex reload_mu_;  // One reload at a time.
  mutable Mutex mu_;  // The outcome only, so scrapes never wait for a reload.
  bool last_ok_ GUARDED_BY(mu_) = true;
  double last_success_ GUARDED_BY(mu_) = 0;  // Seconds since the epoch.
  std::shared_ptr<const LoadedConfig> current_ GUARDED_BY(mu_);
  ConfigHistory history_ GUARDED_BY(mu_);
};

}  // namespace rse
