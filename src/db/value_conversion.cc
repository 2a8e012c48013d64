#include "db/value_conversion.h"

#include <charconv>
#include <cmath>
#include <string>

namespace rse {
namespace {

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// "\"<text><rest>", appended piece by piece: GCC 12 -O2 warns (-Wrestrict,
// bug 105329) on "\"" + std::string(...) once inlined.
std::string Quoted(std::string_view text, std::string_view rest) {
  std::string out = "\"";
  out.append(text);
  out.append(rest);
  return out;
}

bool ParseNumber(std::string_view text, double* out, bool* out_of_range = nullptr) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  if (out_of_range) *out_of_range = ec == std::errc::result_out_of_range;
  return ec == std::errc() && end == text.data() + text.size();
}

// Reads exactly `n` digits.
bool Digits(std::string_view& s, size_t n, int* out) {
  if (s.size() < n) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  s.remove_prefix(n);
  return true;
}

bool Expect(std::string_view& s, char c) {
  if (s.empty() || s.front() != c) return false;
  s.remove_prefix(1);
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

}  // namespace

StatusOr<double> ParseTimestamp(std::string_view text) {
  const Status invalid = Status::InvalidArgument(Quoted(text, "\" is not a timestamp"));
  std::string_view s = TrimSpaces(text);
  if (s == "infinity") return HUGE_VAL;
  if (s == "-infinity") return -HUGE_VAL;
  int year, month, day, hour = 0, minute = 0, second = 0;
  if (!Digits(s, 4, &year) || !Expect(s, '-') || !Digits(s, 2, &month) || !Expect(s, '-') ||
      !Digits(s, 2, &day)) {
    return invalid;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31) return invalid;
  double fraction = 0;
  if (!s.empty() && (s.front() == ' ' || s.front() == 'T')) {
    s.remove_prefix(1);
    if (!Digits(s, 2, &hour) || !Expect(s, ':') || !Digits(s, 2, &minute) || !Expect(s, ':') ||
        !Digits(s, 2, &second)) {
      return invalid;
    }
    if (!s.empty() && s.front() == '.') {
      size_t n = 1;
      while (n < s.size() && s[n] >= '0' && s[n] <= '9') ++n;
      if (n == 1 || !ParseNumber(std::string("0") + std::string(s.substr(0, n)), &fraction))
        return invalid;
      s.remove_prefix(n);
    }
  }
  int offset_seconds = 0;
  if (!s.empty()) {
    if (s == "Z") {
      s = {};
    } else if (s.front() == '+' || s.front() == '-') {
      int sign = s.front() == '-' ? -1 : 1;
      s.remove_prefix(1);
      int oh = 0, om = 0;
      if (!Digits(s, 2, &oh)) return invalid;
      if (Expect(s, ':') && !Digits(s, 2, &om)) return invalid;
      offset_seconds = sign * (oh * 3600 + om * 60);
    }
    if (!s.empty()) return invalid;
  }
  int64_t days = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  double seconds =
      static_cast<double>(days * 86400 + hour * 3600 + minute * 60 + second - offset_seconds);
  return seconds + fraction;
}

StatusOr<double> CellToDouble(ColumnKind kind, std::string_view text) {
  switch (kind) {
    case ColumnKind::kBoolean:
      if (text == "t" || text == "true" || text == "1") return 1.0;
      if (text == "f" || text == "false" || text == "0") return 0.0;
      return Status::InvalidArgument(Quoted(text, "\" is not a boolean"));
    case ColumnKind::kTimestamp: return ParseTimestamp(text);
    default: {
      double value = 0;
      bool out_of_range = false;
      if (ParseNumber(TrimSpaces(text), &value, &out_of_range)) return value;
      return Status::InvalidArgument(
          Quoted(text.substr(0, 64), std::string(text.size() > 64 ? "...\"" : "\"") +
                                         (out_of_range ? " is past the range of a float64 sample value"
                                                       : " is not a number")));
    }
  }
}

}  // namespace rse
