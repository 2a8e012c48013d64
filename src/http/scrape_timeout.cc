#include "http/scrape_timeout.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace rse {

std::chrono::milliseconds ScrapeBudget(std::optional<std::string_view> header,
                                       std::chrono::milliseconds offset,
                                       std::chrono::milliseconds cap) {
  using std::chrono::milliseconds;
  if (!header) return cap;
  double seconds = 0;
  std::string_view text = *header;
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(seconds) ||
      seconds <= 0)
    return cap;
  const double header_ms = seconds * 1000.0;
  double budget = header_ms > static_cast<double>(offset.count())
                      ? header_ms - static_cast<double>(offset.count())
                      : header_ms * 0.9;
  budget = std::min(budget, static_cast<double>(cap.count()));
  return milliseconds(std::max<int64_t>(1, static_cast<int64_t>(budget)));
}

}  // namespace rse
