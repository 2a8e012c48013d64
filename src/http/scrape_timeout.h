// The time budget of one scrape, from Prometheus' X-Prometheus-Scrape-Timeout-Seconds
// header and the [scrape] settings. Pure.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace rse {

// header − offset, capped at `cap`. Fallbacks, so a scrape always has a budget:
//   no header, or one that is not a positive number     → cap;
//   a header not larger than `offset` (e.g. 0.3 s, 500ms) → 90% of the header,
//     since Prometheus gives up at the header's value whatever our offset says.
// Never below 1ms.
std::chrono::milliseconds ScrapeBudget(std::optional<std::string_view> header,
                                       std::chrono::milliseconds offset,
                                       std::chrono::milliseconds cap);

}  // namespace rse
