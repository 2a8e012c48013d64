#include "status/status_report.h"

#include <cmath>
#include <cstdio>
#include <ctime>

namespace rse {

double StatusReport::EpochOf(TimePoint at) const {
  if (at == TimePoint{}) return 0;
  return now - std::chrono::duration<double>(now_steady - at).count();
}

double StatusReport::SecondsSince(TimePoint at) const {
  if (at == TimePoint{}) return 0;
  return std::chrono::duration<double>(now_steady - at).count();
}

std::string DisplayedState(const MemberSnapshot& member, TimePoint now) {
  if (member.state == MemberState::kDown && member.retry_at && *member.retry_at > now)
    return "backoff";
  return MemberStateName(member.state);
}

std::string Rfc3339(double epoch_seconds) {
  const double whole = std::floor(epoch_seconds);
  const std::time_t seconds = static_cast<std::time_t>(whole);
  int millis = static_cast<int>(std::lround((epoch_seconds - whole) * 1000));
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  if (millis > 999) millis = 999;
  char text[96];  // Room for any int the compiler cannot rule out.
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, millis);
  return text;
}

}  // namespace rse
