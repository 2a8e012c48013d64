// The HTML page served at "/": who we are and where the metrics are.
#pragma once

#include <string>

namespace rse {

struct LandingInfo {
  std::string version;
  std::string revision;
  std::string cluster;
  std::string engine;
  std::string telemetry_path = "/metrics";
};

std::string RenderLandingPage(const LandingInfo& info);

// Escapes &, <, >, " and ' for HTML text and attribute values.
std::string HtmlEscape(const std::string& text);

}  // namespace rse
