// replica_sql_exporter: flags -> config + catalog -> HTTP server, until SIGTERM/SIGINT.
#include <malloc.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <iostream>
#include <thread>

#include "app/exporter.h"
#include "base/build_info.h"
#include "catalog/query_catalog.h"
#include "cli/config_summary.h"
#include "cli/flags.h"
#include "config/exporter_config.h"
#include "http/http_server.h"

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
  auto config = LoadExporterConfig(flags->config_file);
  if (!config.ok()) return Fail("invalid config:\n" + config.status().message());
  if (flags->listen_address) {
    auto listen =
        ParseHostPort(*flags->listen_address, /*allow_empty_host=*/true, /*allow_port_zero=*/true);
    if (!listen.ok()) return Fail("--web.listen-address: " + listen.status().message());
    config->web.listen = *listen;
  }
  auto catalog = LoadQueryCatalog(config->query_files);
  if (!catalog.ok()) return Fail("invalid query catalog:\n" + catalog.status().message());
  if (flags->config_check) {
    std::cout << DescribeConfig(*config, *catalog);
    return 0;
  }

  Logger logger(flags->log_level, flags->log_format, &std::cerr);
  for (const std::string& warning : config->warnings) logger.Warn(warning);

  // Signals are taken by one thread with sigwait, so no handler runs inside
  // httplib's threads and shutdown is an ordinary function call.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);  // Its default action would kill the process.
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  // Scrapes run on several threads; glibc would give each its own malloc
  // arena (up to 8 per core), and a big result freed in one arena is not
  // returned to the system. Two arenas keep memory flat at no measurable cost.
  mallopt(M_ARENA_MAX, 2);

  auto exporter = Exporter::Create(*config, *catalog, &logger, DefaultClock());
  if (!exporter.ok()) return Fail(exporter.status().message());

  HttpServerOptions options;
  options.landing = {kVersion, kRevision, config->cluster.name, EngineName(config->cluster.engine)};
  HttpServer server(
      options, [&exporter](const ScrapeRequest& request) { return (*exporter)->Scrape(request); },
      &logger);
  if (Status bound = server.Bind(config->web.listen); !bound.ok()) return Fail(bound.message());

  std::atomic<bool> serve_returned = false;
  std::thread signal_thread([&] {
    int received = 0;
    sigwait(&signals, &received);
    // Operators and process managers send SIGHUP to reload a Prometheus
    // component; until reload exists, it must at least not stop the exporter.
    while (received == SIGHUP && !serve_returned) {
      logger.Warn("SIGHUP received: reloading is not supported yet; the running configuration stays");
      sigwait(&signals, &received);
    }
    if (serve_returned) return;
    logger.Info("shutting down", {{"signal", received == SIGTERM ? "SIGTERM" : "SIGINT"}});
    // Repeat: a signal that lands before Serve() has started would otherwise be lost.
    while (!serve_returned) {
      server.Stop();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  logger.Info("starting replica_sql_exporter",
              {{"version", kVersion},
               {"revision", kRevision},
               {"cluster", config->cluster.name},
               {"listen", config->web.listen.ToString()},
               {"port", std::to_string(server.port())},
               {"queries", std::to_string(catalog->queries.size())}});
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
