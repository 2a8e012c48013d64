#include "model/sample_line.h"

#include "base/number_format.h"

namespace rse {

void AppendEscaped(std::string& out, std::string_view text, bool escape_quote) {
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && escape_quote) {
      out += "\\\"";
    } else {
      out += c;
    }
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
