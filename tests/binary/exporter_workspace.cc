#include "exporter_workspace.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <regex>

namespace rse::testing {

ExporterWorkspace::ExporterWorkspace() {
  char path[] = "/tmp/rse_workspaceXXXXXX";
  dir_ = mkdtemp(path);
  std::filesystem::create_directories(dir_ + "/queries");
}

ExporterWorkspace::~ExporterWorkspace() {
  process_.reset();  // SIGKILLs it if still running.
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void ExporterWorkspace::Write(const std::string& name, const std::string& text) const {
  std::ofstream out(Path(name), std::ios::trunc);
  out << text;
}

void ExporterWorkspace::WriteConfig(const std::string& cluster_extra) const {
  Write("exporter.toml",
        "[web]\nlisten_address = \"127.0.0.1:0\"\n\n"
        "[cluster]\nname = \"shop\"\nengine = \"postgres\"\ndatabase = \"shop\"\n"
        "user = \"exporter\"\nreplicas = [\"127.0.0.1:55433\", \"127.0.0.1:55434\"]\n"
        "connect_timeout = \"1s\"\n" +
            (cluster_extra.find("password") == std::string::npos
                 ? std::string("password_env = \"SHOP_EXPORTER_PASSWORD\"\n")
                 : std::string()) +
            cluster_extra + "\n[queries]\nfiles = [\"queries/*.toml\"]\n");
}

void ExporterWorkspace::WriteQueries(const std::vector<std::string>& names) const {
  std::string text;
  for (const std::string& name : names) {
    text += "[[query]]\nname = \"" + name + "\"\nsql = \"SELECT 1 AS v\"\n\n" +
            "  [[query.metrics]]\n  name = \"shop_" + name + "\"\n  help = \"Test.\"\n" +
            "  value = \"v\"\n\n";
  }
  Write("queries/shop.toml", text);
}

void ExporterWorkspace::MakeCertificates() const {
  auto result = RunCommand(
      {"/bin/bash", std::string(RSE_SOURCE_DIR) + "/tests/scripts/make_web_certs.sh", dir_}, dir_);
  ASSERT_EQ(result.exit_code, 0) << result.output;
}

bool ExporterWorkspace::Start(const std::vector<std::string>& flags, std::string* log) {
  std::vector<std::string> args = {RSE_EXPORTER_BINARY, "--config.file=" + Path("exporter.toml")};
  args.insert(args.end(), flags.begin(), flags.end());
  process_ = std::make_unique<BackgroundProcess>(args, dir_);
  if (!process_->WaitForLog("starting replica_sql_exporter", 15000, log)) return false;
  std::smatch port;
  if (!std::regex_search(*log, port, std::regex(" port=(\\d+)"))) return false;
  port_ = std::stoi(port[1]);
  return true;
}

bool ExporterWorkspace::WaitForLog(const std::string& needle, int timeout_ms, std::string* log) {
  return process_->WaitForLog(needle, timeout_ms, log);
}

}  // namespace rse::testing
