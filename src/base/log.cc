#include "base/log.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <ostream>

namespace rse {
namespace {

constexpr std::string_view kLevelNames[] = {"debug", "info", "warn", "error"};

std::string Timestamp() {
  auto now = std::chrono::system_clock::now();
  auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(millis / 1000);
  std::tm utc{};
  gmtime_r(&secs, &utc);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(millis % 1000));
  return buf;
}

// logfmt quotes values with spaces, quotes, '=' or control characters.
void AppendLogfmtValue(std::string& out, std::string_view v) {
  bool quote = v.empty();
  for (char c : v) {
    if (c == ' ' || c == '"' || c == '=' || static_cast<unsigned char>(c) < 0x20) quote = true;
  }
  if (!quote) {
    out += v;
    return;
  }
  out += '"';
  for (char c : v) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  out += '"';
}

void AppendJsonString(std::string& out, std::string_view v) {
  out += '"';
  for (char c : v) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

}  // namespace

StatusOr<LogLevel> ParseLogLevel(std::string_view text) {
  for (size_t i = 0; i < std::size(kLevelNames); ++i) {
    if (text == kLevelNames[i]) return static_cast<LogLevel>(i);
  }
  return Status::InvalidArgument("--log.level: \"" + std::string(text) +
                                 "\" is not one of debug, info, warn, error");
}

StatusOr<LogFormat> ParseLogFormat(std::string_view text) {
  if (text == "logfmt") return LogFormat::kLogfmt;
  if (text == "json") return LogFormat::kJson;
  return Status::InvalidArgument("--log.format: \"" + std::string(text) +
                                 "\" is not one of logfmt, json");
}

Logger::Logger(LogLevel level, LogFormat format, std::ostream* out)
    : level_(level), format_(format), out_(out) {}

void Logger::Log(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields) {
  if (level < level_) return;
  std::string line;
  std::string_view level_name = kLevelNames[static_cast<int>(level)];
  if (format_ == LogFormat::kJson) {
    line = "{\"ts\":\"" + Timestamp() + "\",\"level\":\"" + std::string(level_name) + "\",\"msg\":";
    AppendJsonString(line, msg);
    for (const auto& [key, value] : fields) {
      line += ',';
      AppendJsonString(line, key);
      line += ':';
      AppendJsonString(line, value);
    }
    line += "}\n";
  } else {
    line = "ts=" + Timestamp() + " level=" + std::string(level_name) + " msg=";
    AppendLogfmtValue(line, msg);
    for (const auto& [key, value] : fields) {
      line += ' ';
      line += key;
      line += '=';
      AppendLogfmtValue(line, value);
    }
    line += '\n';
  }
  MutexLock lock(&mu_);
  *out_ << line << std::flush;
}

}  // namespace rse
