// /status: the status report as one server-rendered HTML page, readable
// without JavaScript. Every text that comes from a database or a config is
// HTML-escaped.
#pragma once

#include <string>

#include "status/status_report.h"

namespace rse {

std::string RenderStatusPage(const StatusReport& report);

// "850 ms", "12.3 s", "4 min 10 s", "2 h 5 min", "3 d 4 h": for ages and uptimes.
std::string HumanSeconds(double seconds);

}  // namespace rse
