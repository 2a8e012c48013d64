#include "app/service.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <iostream>
#include <memory>
#include <thread>

#include "app/config_page.h"
#include "app/exporter.h"
#include "app/open_file_limit.h"
#include "app/process_metrics.h"
#include "app/reloader.h"
#include "app/status_sources.h"
#include "base/build_info.h"
#include "base/memory.h"
#include "http/http_server.h"
#include "status/status_json.h"
#include "status/status_page.h"

namespace rse {
namespace {

// Signals are taken by one thread with sigwait, so no handler runs inside
// the server's threads and shutdown is an ordinary function call.
sigset_t BlockSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);  // Reload; its default action would kill the process.
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  return signals;
}

// What the HTTP server is wired to: every page and the lifecycle API.
struct Wiring {
  Exporter* exporter;
  std::unique_ptr<Reloader>* reloader;  // Made after the server, whose handlers need it.
  std::atomic<bool>* quit_requested;
};

HttpServerOptions ServerOptions(const Flags& flags, const LoadedConfig& loaded, Wiring w) {
  HttpServerOptions options;
  options.landing = {kVersion, kRevision, loaded.config.cluster.name,
                     EngineName(loaded.config.cluster.engine), flags.telemetry_path};
  options.telemetry_path = flags.telemetry_path;
  options.web = loaded.web;
  options.enable_lifecycle = flags.enable_lifecycle;
  options.max_connections = flags.max_connections;
  options.reload = [w] { return (*w.reloader)->Reload("POST /-/reload"); };
  options.quit = [w] {
    *w.quit_requested = true;
    kill(getpid(), SIGTERM);  // The signal thread stops the server, as for any SIGTERM.
  };
  options.config_page = [w] { return RenderConfigPage(*(*w.reloader)->current()); };
  options.groups = [w] { return w.exporter->Groups(); };
  const StatusIdentity identity{kVersion, kRevision, flags.telemetry_path, EpochNow()};
  options.status_page = [w, identity] {
    return RenderStatusPage(GatherStatus(*w.exporter, **w.reloader, identity, *DefaultClock()));
  };
  options.status_json = [w, identity] {
    return RenderStatusJson(GatherStatus(*w.exporter, **w.reloader, identity, *DefaultClock()));
  };
  return options;
}

// One /metrics answer: the scrape, then what the reloader, the DNS refresh
// and the process add.
Exposition Scrape(Exporter& exporter, const Reloader& reloader, const ScrapeRequest& request) {
  Exposition exposition = exporter.Scrape(request);
  reloader.AppendFamilies(&exposition.families);
  exporter.AppendFamilies(&exposition.families);
  AppendProcessMetrics(&exposition.families);
  return exposition;
}

// Waits for signals: SIGHUP reloads; SIGTERM or SIGINT stops the server.
void HandleSignals(sigset_t signals, Reloader& reloader, HttpServer& server, Logger* logger,
                   const std::atomic<bool>& quit_requested, const std::atomic<bool>& serve_returned) {
  int received = 0;
  sigwait(&signals, &received);
  while (received == SIGHUP && !serve_returned) {
    reloader.Reload("SIGHUP");
    sigwait(&signals, &received);
  }
  if (serve_returned) return;
  logger->Info("shutting down", {{"signal", quit_requested      ? "POST /-/quit"
                                            : received == SIGTERM ? "SIGTERM"
                                                                  : "SIGINT"}});
  // Repeat: a signal that lands before Serve() has started would otherwise be lost.
  while (!serve_returned) {
    server.Stop();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace

int RunService(const Flags& flags, const ConfigPaths& paths, const LoadedConfig& loaded,
               Logger* logger) {
  const sigset_t signals = BlockSignals();
  TuneAllocatorForScrapes();
  RaiseOpenFileLimit();
  auto exporter = Exporter::Create(loaded.config, loaded.catalog, logger, DefaultClock());
  if (!exporter.ok()) {
    std::cerr << "replica_sql_exporter: " << exporter.status().message() << "\n";
    return 1;
  }
  std::unique_ptr<Reloader> reloader;
  std::atomic<bool> quit_requested = false;
  HttpServer server(
      ServerOptions(flags, loaded, {exporter->get(), &reloader, &quit_requested}),
      [&](const ScrapeRequest& request) { return Scrape(**exporter, *reloader, request); }, logger);
  reloader = std::make_unique<Reloader>(paths, loaded, exporter->get(), &server, logger);
  if (Status bound = server.Bind(loaded.config.web.listen); !bound.ok()) {
    std::cerr << "replica_sql_exporter: " << bound.message() << "\n";
    return 1;
  }
  std::atomic<bool> serve_returned = false;
  std::thread signal_thread(HandleSignals, signals, std::ref(*reloader), std::ref(server), logger,
                            std::cref(quit_requested), std::cref(serve_returned));
  logger->Info("starting replica_sql_exporter",
               {{"version", kVersion},
                {"revision", kRevision},
                {"cluster", loaded.config.cluster.name},
                {"listen", loaded.config.web.listen.ToString()},
                {"port", std::to_string(server.port())},
                {"tls", server.tls() ? "true" : "false"},
                {"basic_auth", loaded.web.basic_auth_users.empty() ? "false" : "true"},
                {"queries", std::to_string(loaded.catalog.queries.size())}});
  Status served = server.Serve();
  serve_returned = true;
  if (!served.ok()) {
    logger->Error("HTTP server failed", {{"err", served.message()}});
    pthread_kill(signal_thread.native_handle(), SIGTERM);  // Wake the waiter so it can be joined.
  }
  signal_thread.join();
  logger->Info("stopped");
  return served.ok() ? 0 : 1;
}

}  // namespace rse
