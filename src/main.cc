// replica_sql_exporter: flags -> config, catalog and web config -> HTTP
// server, until SIGTERM/SIGINT; SIGHUP reloads. --config.check and --dry-run
// load the same way and exit.
#include <malloc.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <iostream>
#include <thread>

#include "app/config_page.h"
#include "app/dry_run.h"
#include "app/exporter.h"
#include "app/loaded_config.h"
#include "app/open_file_limit.h"
#include "app/process_metrics.h"
#include "app/reloader.h"
#include "app/status_sources.h"
#include "base/build_info.h"
#include "cli/config_summary.h"
#include "cli/flags.h"
#include "http/http_server.h"
#include "status/status_json.h"
#include "status/status_page.h"

namespace {

int Fail(const std::string& message) {
  std::cerr << "replica_sql_exporter: " << message << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace rse;
  auto flags = ParseFlags(std::vector<std::string>(argv + 1, argv + argc));
  if (!flags.ok()) return Fail(flags.status().message());
  if (flags->help) {
    std::cout << UsageText();
    return 0;
  }
  if (flags->version) {
    std::cout << "replica_sql_exporter, version " << kVersion << " (revision " << kRevision
              << ")\n";
    return 0;
  }
  const ConfigPaths paths{flags->config_file, flags->web_config_file, flags->listen_address};
  auto loaded = LoadEverything(paths);
  if (!loaded.ok()) return Fail(loaded.status().message());
  if (flags->config_check) {
    std::cout << DescribeConfig(loaded->config, loaded->catalog);
    if (!loaded->web.source.empty()) {
      std::cout << loaded->web.source << ": OK ("
                << (loaded->web.tls ? "TLS" : "plain HTTP") << ", "
                << loaded->web.basic_auth_users.size() << " basic-auth users)\n";
    }
    return 0;
  }

  Logger logger(flags->log_level, flags->log_format, &std::cerr);
  for (const std::string& warning : loaded->config.warnings) logger.Warn(warning);
  for (const std::string& warning : loaded->web.warnings) logger.Warn(warning);

  if (flags->dry_run) return DryRun(*loaded, &logger, std::cout, std::cerr);

  // Signals are taken by one thread with sigwait, so no handler runs inside
  // the server's threads and shutdown is an ordinary function call.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);  // Reload; its default action would kill the process.
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  // Scrapes run on several threads; glibc would give each its own malloc
  // arena (up to 8 per core), and a big result freed in one arena is not
  // returned to the system. Two arenas keep memory flat at no measurable cost.
  mallopt(M_ARENA_MAX, 2);
  // Blocks of 1 MiB and more (a big result's lines, its rendering) are mapped
  // on their own and unmapped when freed. Left dynamic, glibc raises this
  // threshold to the size of the first big block freed, and later big blocks
  // stay in the heap after the scrape.
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  RaiseOpenFileLimit();

  auto exporter = Exporter::Create(loaded->config, loaded->catalog, &logger, DefaultClock());
  if (!exporter.ok()) return Fail(exporter.status().message());

  std::unique_ptr<Reloader> reloader;  // Needs the server; the server's handlers need it.
  std::atomic<bool> quit_requested = false;
  HttpServerOptions options;
  options.landing = {kVersion, kRevision, loaded->config.cluster.name,
                     EngineName(loaded->config.cluster.engine), flags->telemetry_path};
  options.telemetry_path = flags->telemetry_path;
  options.web = loaded->web;
  options.enable_lifecycle = flags->enable_lifecycle;
  options.max_connections = flags->max_connections;
  options.reload = [&reloader] { return reloader->Reload("POST /-/reload"); };
  options.quit = [&quit_requested] {
    quit_requested = true;
    kill(getpid(), SIGTERM);  // The signal thread stops the server, as for any SIGTERM.
  };
  options.config_page = [&reloader] { return RenderConfigPage(*reloader->current()); };
  options.groups = [&exporter] { return (*exporter)->Groups(); };
  const StatusIdentity identity{kVersion, kRevision, flags->telemetry_path, EpochNow()};
  options.status_page = [&] {
    return RenderStatusPage(GatherStatus(**exporter, *reloader, identity, *DefaultClock()));
  };
  options.status_json = [&] {
    return RenderStatusJson(GatherStatus(**exporter, *reloader, identity, *DefaultClock()));
  };
  HttpServer server(
      options,
      [&](const ScrapeRequest& request) {
        Exposition exposition = (*exporter)->Scrape(request);
        reloader->AppendFamilies(&exposition.families);
        (*exporter)->AppendFamilies(&exposition.families);
        AppendProcessMetrics(&exposition.families);
        return exposition;
      },
      &logger);
  reloader = std::make_unique<Reloader>(paths, *loaded, exporter->get(), &server, &logger);
  if (Status bound = server.Bind(loaded->config.web.listen); !bound.ok()) return Fail(bound.message());

  std::atomic<bool> serve_returned = false;
  std::thread signal_thread([&] {
    int received = 0;
    sigwait(&signals, &received);
    while (received == SIGHUP && !serve_returned) {
      reloader->Reload("SIGHUP");
      sigwait(&signals, &received);
    }
    if (serve_returned) return;
    logger.Info("shutting down",
                {{"signal", quit_requested ? "POST /-/quit"
                            : received == SIGTERM ? "SIGTERM"
                                                  : "SIGINT"}});
    // Repeat: a signal that lands before Serve() has started would otherwise be lost.
    while (!serve_returned) {
      server.Stop();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  logger.Info("starting replica_sql_exporter",
              {{"version", kVersion},
               {"revision", kRevision},
               {"cluster", loaded->config.cluster.name},
               {"listen", loaded->config.web.listen.ToString()},
               {"port", std::to_string(server.port())},
               {"tls", server.tls() ? "true" : "false"},
               {"basic_auth", loaded->web.basic_auth_users.empty() ? "false" : "true"},
               {"queries", std::to_string(loaded->catalog.queries.size())}});
  Status served = server.Serve();
  serve_returned = true;
  if (!served.ok()) {
    logger.Error("HTTP server failed", {{"err", served.message()}});
    pthread_kill(signal_thread.native_handle(), SIGTERM);  // Wake the waiter so it can be joined.
  }
  signal_thread.join();
  logger.Info("stopped");
  return served.ok() ? 0 : 1;
}
