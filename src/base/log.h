// A small leveled logger writing one line per event to a stream (stderr by
// default), as logfmt or JSON, like the Prometheus exporters' --log.* flags.
// Thread-safe: lines from concurrent threads never interleave.
#pragma once

#include <initializer_list>
#include <iosfwd>
#include <string>
#include <string_view>
#include <utility>

#include "base/mutex.h"
#include "base/status.h"

namespace rse {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };
enum class LogFormat { kLogfmt, kJson };

StatusOr<LogLevel> ParseLogLevel(std::string_view text);
StatusOr<LogFormat> ParseLogFormat(std::string_view text);

using LogField = std::pair<std::string_view, std::string_view>;

class Logger {
 public:
  Logger(LogLevel level, LogFormat format, std::ostream* out);
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  bool Enabled(LogLevel level) const { return level >= level_; }
  void Log(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields = {});
  void Debug(std::string_view msg, std::initializer_list<LogField> fields = {}) {
    Log(LogLevel::kDebug, msg, fields);
  }
  void Info(std::string_view msg, std::initializer_list<LogField> fields = {}) {
    Log(LogLevel::kInfo, msg, fields);
  }
  void Warn(std::string_view msg, std::initializer_list<LogField> fields = {}) {
    Log(LogLevel::kWarn, msg, fields);
  }
  void Error(std::string_view msg, std::initializer_list<LogField> fields = {}) {
    Log(LogLevel::kError, msg, fields);
  }

 private:
  const LogLevel level_;
  const LogFormat format_;
  Mutex mu_;
  std::ostream* const out_ PT_GUARDED_BY(mu_);
};

}  // namespace rse
