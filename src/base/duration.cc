#include "base/duration.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <utility>

namespace rse {
namespace {

constexpr std::pair<std::string_view, double> kUnits[] = {
    {"ms", 1.0}, {"s", 1e3}, {"m", 60e3}, {"h", 3600e3}, {"d", 86400e3}, {"w", 7 * 86400e3},
};

// Deadlines are steady_clock time points in nanoseconds (int64: ~292 years
// from the clock's epoch), and durations get doubled (max_staleness) and added
// to "now": anything past 100 years would overflow somewhere, and no timeout
// or cache period needs it.
constexpr double kMaxMillis = 100 * 365.25 * 86400e3;

}  // namespace

StatusOr<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  auto invalid = [&](std::string_view why) {
    return Status::InvalidArgument("invalid duration \"" + std::string(text) +
                                   "\": " + std::string(why));
  };
  if (text.empty()) return invalid("empty");
  if (text == "0") return std::chrono::milliseconds(0);
  double total = 0;
  std::string_view rest = text;
  while (!rest.empty()) {
    size_t digits = 0;
    while (digits < rest.size() &&
           (std::isdigit(static_cast<unsigned char>(rest[digits])) || rest[digits] == '.')) {
      ++digits;
    }
    if (digits == 0) return invalid("expected a number (e.g. \"10s\", \"500ms\", \"1h30m\")");
    double number = 0;
    auto [end, ec] = std::from_chars(rest.data(), rest.data() + digits, number);
    if (ec != std::errc() || end != rest.data() + digits) return invalid("malformed number");
    rest.remove_prefix(digits);
    size_t unit_len = 0;
    while (unit_len < rest.size() && std::isalpha(static_cast<unsigned char>(rest[unit_len])))
      ++unit_len;
    std::string_view unit = rest.substr(0, unit_len);
    if (unit.empty()) return invalid("missing unit (one of ms, s, m, h, d, w)");
    double scale = 0;
    for (const auto& [name, millis] : kUnits) {
      if (unit == name) scale = millis;
    }
    if (scale == 0)
      return invalid("unknown unit \"" + std::string(unit) + "\" (use ms, s, m, h, d or w)");
    total += number * scale;
    rest.remove_prefix(unit_len);
  }
  if (total > kMaxMillis) return invalid("too large (at most 100 years)");
  double whole = std::round(total);
  if (std::fabs(total - whole) > 1e-6) return invalid("finer than 1ms");
  return std::chrono::milliseconds(static_cast<int64_t>(whole));
}

std::string FormatDuration(std::chrono::milliseconds d) {
  int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  constexpr std::pair<int64_t, const char*> kParts[] = {
      {3600000, "h"}, {60000, "m"}, {1000, "s"}, {1, "ms"}};
  for (const auto& [size, unit] : kParts) {
    if (ms >= size) {
      out += std::to_string(ms / size) + unit;
      ms %= size;
    }
  }
  return out;
}

}  // namespace rse
