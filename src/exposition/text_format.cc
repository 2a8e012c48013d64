#include "exposition/text_format.h"

#include "exposition/sample_writer.h"

namespace rse {
namespace {

// In OpenMetrics a counter family is named without "_total"; its samples keep it.
std::string_view OpenMetricsFamilyName(const MetricFamily& family) {
  std::string_view name = family.name;
  if (family.type == MetricType::kCounter && name.ends_with("_total")) name.remove_suffix(6);
  return name;
}

// The text format escapes only backslash and newline in HELP; OpenMetrics
// also escapes the double quote.
void AppendFamily(const MetricFamily* family, bool open_metrics, std::string& out) {
  {
    std::string_view name =
        open_metrics ? OpenMetricsFamilyName(*family) : std::string_view(family->name);
    out += "# HELP ";
    out += name;
    out += ' ';
    AppendEscaped(out, family->help, /*escape_quote=*/open_metrics);
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += MetricTypeName(family->type);
    out += '\n';
    if (open_metrics && !family->unit.empty()) {  // The 0.0.4 text format has no UNIT line.
      out += "# UNIT ";
      out += name;
      out += ' ';
      out += family->unit;
      out += '\n';
    }
    for (const Sample& sample : family->samples) {
      AppendSample(out, family->name, sample.suffix, sample.labels, sample.value);
    }
    out += family->sample_lines;
  }
}

void AppendRun(const std::vector<MetricFamily>& families, bool open_metrics, std::string& out) {
  std::vector<MetricFamily> merged;
  for (const MetricFamily* family : GroupFamilies(families, &merged))
    AppendFamily(family, open_metrics, out);
}

}  // namespace

std::vector<RenderedFamily> RenderEach(const std::vector<MetricFamily>& families,
                                       bool open_metrics) {
  std::vector<MetricFamily> merged;
  std::vector<RenderedFamily> out;
  for (const MetricFamily* family : GroupFamilies(families, &merged)) {
    RenderedFamily& rendered = out.emplace_back();
    rendered.name = family->name;
    AppendFamily(family, open_metrics, rendered.text);
  }
  return out;
}

std::string RenderRun(const std::vector<MetricFamily>& families, bool open_metrics) {
  std::string out;
  AppendRun(families, open_metrics, out);
  return out;
}

std::string RenderText(const std::vector<MetricFamily>& families) {
  return RenderRun(families, false);
}
std::string RenderOpenMetrics(const std::vector<MetricFamily>& families) {
  std::string out = RenderRun(families, true);
  out += kOpenMetricsEof;
  return out;
}
std::string RenderText(const Exposition& exposition) { return RenderText(exposition.Flatten()); }
std::string RenderOpenMetrics(const Exposition& exposition) {
  return RenderOpenMetrics(exposition.Flatten());
}

}  // namespace rse
