#include "app/reloader.h"

#include <chrono>
#include <sstream>

#include "model/self_metric_names.h"

namespace rse {
Reloader::Reloader(ConfigPaths paths, const LoadedConfig& started, Exporter* exporter,
                   HttpServer* server, Logger* logger)
    : paths_(std::move(paths)),
      listen_(started.config.web.listen),
      exporter_(exporter),
      server_(server),
      logger_(logger),
      last_success_(EpochNow()),
      current_(std::make_shared<const LoadedConfig>(started)) {
  history_.loaded_at = last_success_;
}

ConfigHistory Reloader::history() const {
  MutexLock lock(&mu_);
  return history_;
}

std::shared_ptr<const LoadedConfig> Reloader::current() const {
  MutexLock lock(&mu_);
  return current_;
}

Status Reloader::Reload(const std::string& trigger) {
  MutexLock reload_lock(&reload_mu_);
  logger_->Info("reloading configuration", {{"trigger", trigger}});
  auto loaded = LoadEverything(paths_);
  Status status = loaded.status();
  // All or nothing: the web config is built (its TLS context made) before
  // the exporter is swapped, and takes over, unable to fail, only after the
  // swap succeeded. A failure at any step leaves the running generation whole.
  std::optional<HttpServer::PreparedWeb> web;
  if (status.ok()) {
    auto prepared = server_->PrepareWebConfig(loaded->web);
    status = prepared.status();
    if (prepared.ok()) web = std::move(*prepared);
  }
  Exporter::ReloadSummary summary;
  if (status.ok()) status = exporter_->Reload(loaded->config, loaded->catalog, &summary);
  if (status.ok()) server_->CommitWebConfig(std::move(*web));
  {
    MutexLock lock(&mu_);
    last_ok_ = status.ok();
    history_.last_attempt_at = EpochNow();
    history_.last_trigger = trigger;
    history_.last_ok = status.ok();
    history_.last_error = status.ok() ? "" : status.message();
    if (status.ok()) {
      last_success_ = history_.last_attempt_at;
      current_ = std::make_shared<const LoadedConfig>(*loaded);
      ++history_.generation;
      history_.loaded_at = last_success_;
    }
  }
  if (!status.ok()) {
    std::istringstream lines(status.message());
    for (std::string line; std::getline(lines, line);) {
      logger_->Error("reload failed; the running configuration stays", {{"err", line}});
    }
    return status;
  }
  logger_->Info("configuration reloaded",
                {{"trigger", trigger},
                 {"queries", std::to_string(summary.queries)},
                 {"queries_kept", std::to_string(summary.queries_kept)},
                 {"pool", summary.pool_kept ? "kept" : "new"},
                 {"members_kept", std::to_string(summary.members_kept)}});
  if (!(loaded->config.web.listen == listen_)) {
    logger_->Warn("the listen address changed; it takes effect at the next restart",
                  {{"listening", listen_.ToString()},
                   {"configured", loaded->config.web.listen.ToString()}});
  }
  for (const std::string& warning : loaded->config.warnings) logger_->Warn(warning);
  for (const std::string& warning : loaded->web.warnings) logger_->Warn(warning);
  return Status::Ok();
}

void Reloader::AppendFamilies(std::vector<MetricFamily>* families) const {
  MutexLock lock(&mu_);
  families->push_back({kReloadSuccessfulMetric,
                       "Whether the last configuration reload succeeded (1) or failed (0).",
                       MetricType::kGauge,
                       {{{}, last_ok_ ? 1.0 : 0.0}}});
  families->push_back({kReloadTimestampMetric,
                       "When the configuration was last loaded successfully, in seconds since "
                       "the epoch.",
                       MetricType::kGauge,
                       {{{}, last_success_}}});
}

}  // namespace rse
