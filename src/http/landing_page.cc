#include "http/landing_page.h"

namespace rse {

std::string HtmlEscape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string RenderLandingPage(const LandingInfo& info) {
  return "<!DOCTYPE html>\n<html>\n<head><meta "
         "charset=\"utf-8\"><title>replica_sql_exporter</title></head>\n"
         "<body>\n<h1>replica_sql_exporter</h1>\n"
         "<p>Version " +
         HtmlEscape(info.version) + " (revision " + HtmlEscape(info.revision) +
         ")</p>\n"
         "<p>Cluster <b>" +
         HtmlEscape(info.cluster) + "</b> (" + HtmlEscape(info.engine) +
         "), served from one healthy replica per scrape.</p>\n"
         "<ul>\n<li><a href=\"" +
         HtmlEscape(info.telemetry_path) +
         "\">Metrics</a></li>\n"
         "<li><a href=\"/status\">Status</a>: replicas and queries (<a "
         "href=\"/status.json\">JSON</a>)</li>\n"
         "<li><a href=\"/config\">Configuration</a></li>\n"
         "<li><a href=\"/-/healthy\">Health</a></li>\n<li><a "
         "href=\"/-/ready\">Readiness</a></li>\n</ul>\n"
         "</body>\n</html>\n";
}

}  // namespace rse
