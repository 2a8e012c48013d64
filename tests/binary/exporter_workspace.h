// A scratch directory holding an exporter config, its query files, a web
// config and test certificates, and the built binary started on it on a free
// loopback port. The databases need not run: a scrape then reports them down.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "testing/subprocess.h"

namespace rse::testing {

class ExporterWorkspace {
 public:
  ExporterWorkspace();
  ~ExporterWorkspace();  // Stops the exporter, removes the directory.

  const std::string& dir() const { return dir_; }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  void Write(const std::string& name, const std::string& text) const;
  // The default config (PostgreSQL demo cluster replicas, password from
  // SHOP_EXPORTER_PASSWORD), with `cluster_extra` appended to [cluster].
  void WriteConfig(const std::string& cluster_extra = "") const;
  // One query file, queries/shop.toml, with the named queries (SELECT 1).
  void WriteQueries(const std::vector<std::string>& names) const;
  // ca, server, server2, client (by ca), stranger (by another CA): *.crt, *.key.
  void MakeCertificates() const;

  // Starts the binary with --config.file and `flags`; waits for its start
  // line and reads the port from it. False (with the log) if it did not start.
  bool Start(const std::vector<std::string>& flags, std::string* log);
  int port() const { return port_; }
  BackgroundProcess& process() { return *process_; }
  // Waits up to `timeout_ms` for `needle` in the log, returns it.
  bool WaitForLog(const std::string& needle, int timeout_ms, std::string* log);

 private:
  std::string dir_;
  std::unique_ptr<BackgroundProcess> process_;
  int port_ = -1;
};

// bcrypt hash of "s3cret" (cost 10).
inline constexpr const char* kTestPasswordHash =
    "$2y$10$EhYP68tEkfpMrr1rL2.TW.5x9E8kVisgSSWTox854Ugu.sv4cjvnO";

}  // namespace rse::testing
