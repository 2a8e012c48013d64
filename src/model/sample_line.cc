#include "model/sample_line.h"

#include "base/number_format.h"

namespace rse {

void AppendEscaped(std::string& out, std::string_view text, bool escape_quote) {
  const std::string_view special = escape_quote ? std::string_view("\\\n\"", 3)
                                                : std::string_view("\\\n", 2);
  // Runs without a special character are appended whole (most text has none).
  while (!text.empty()) {
    const size_t at = text.find_first_of(special);
    if (at == std::string_view::npos) {
      out.append(text);
      return;
    }
    out.append(text.substr(0, at));
    const char c = text[at];
    out += c == '\n' ? "\\n" : c == '"' ? "\\\"" : "\\\\";
    text.remove_prefix(at + 1);
  }
}

void AppendSample(std::string& out, std::string_view name, const std::vector<Label>& labels,
                  double value) {
  AppendSample(out, name, {}, labels, value);
}

void AppendSample(std::string& out, std::string_view name, std::string_view suffix,
                  const std::vector<Label>& labels, double value) {
  out += name;
  out += suffix;
  if (!labels.empty()) {
    out += '{';
    for (size_t i = 0; i < labels.size(); ++i) {
      if (i > 0) out += ',';
      out += labels[i].name;
      out += "=\"";
      AppendEscaped(out, labels[i].value, /*escape_quote=*/true);
      out += '"';
    }
    out += '}';
  }
  out += ' ';
  out += FormatValue(value);
  out += '\n';
}

}  // namespace rse
