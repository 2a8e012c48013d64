#include "collect/row_mapper.h"

#include <algorithm>
#include <functional>
#include <string_view>

#include "base/duration.h"
#include "base/number_format.h"
#include "base/utf8.h"
#include "db/value_conversion.h"
#include "collect/row_mapper_metric.h"
#include "model/sample_line.h"

namespace rse {
namespace {

size_t HashLabels(const std::vector<Label>& labels) {
  size_t hash = 0;
  for (const Label& label : labels)
    hash = hash * 1000003 ^ std::hash<std::string_view>{}(label.value);
  return hash;
}

std::string LabelText(const std::vector<Label>& labels) {
  std::string out;
  for (const Label& l : labels) out += (out.empty() ? "" : ",") + l.name + "=\"" + l.value + "\"";
  return "{" + out + "}";
}

}  // namespace

std::string ExposedHelp(const QuerySpec& query, const MetricSpec& metric) {
  if (!query.cache) return metric.help;
  std::string help = metric.help;
  if (!help.empty() && help.back() != '.') help += '.';
  return help + " Cached: refreshed at most every " + FormatDuration(*query.cache) + ".";
}


namespace {

// The "{labels}" of the line at `offset`: between the name and the last space
// (label values may hold spaces; newlines in them are escaped).
std::string_view LabelsOfLine(const std::string& lines, size_t offset, size_t name_size) {
  const size_t end = lines.find('\n', offset);
  const size_t space = lines.rfind(' ', end);
  return std::string_view(lines).substr(offset + name_size, space - offset - name_size);
}

}  // namespace

RowMapper::RowMapper(const QuerySpec& query, bool may_write_lines)
    : query_(query), may_write_lines_(may_write_lines) {}
RowMapper::~RowMapper() = default;

void RowMapper::Fail(QueryError reason, std::string message) {
  errors_.push_back({reason, std::move(message)});
  failed_ = true;
}

bool RowMapper::Labels(Metric& metric, const std::vector<CellView>& cells,
                       std::vector<Label>* labels) {
  const MetricSpec& spec = *metric.spec;
  labels->clear();
  labels->reserve(metric.label_columns.size() + spec.static_labels.size());
  for (size_t i = 0; i < metric.label_columns.size(); ++i) {
    std::string_view value = cells[metric.label_columns[i]].value_or("");
    if (size_t bad = FirstInvalidUtf8(value); bad != std::string_view::npos) {
      Fail(QueryError::kInvalidValue,
           metric.where + "label column \"" + spec.labels[i] + "\" at row " +
               std::to_string(rows_) + " is not valid UTF-8 (byte " + std::to_string(bad + 1) +
               "): binary data needs HEX()/encode() in the SQL");
      return false;
    }
    labels->push_back({spec.labels[i], std::string(value)});
  }
  labels->insert(labels->end(), spec.static_labels.begin(), spec.static_labels.end());
  if (labels->size() > 1) {
    std::sort(labels->begin(), labels->end(),
              [](const Label& a, const Label& b) { return a.name < b.name; });
  }
  return true;
}

std::optional<double> RowMapper::Value(Metric& metric, const std::vector<CellView>& cells,
                                       size_t column, const std::string& name) {
  const MetricSpec& spec = *metric.spec;
  const CellView& cell = cells[column];
  if (!cell) {
    if (spec.null_value) return *spec.null_value;
    errors_.push_back({QueryError::kNullValue, metric.where + "NULL in value column \"" + name +
                                                   "\" at row " + std::to_string(rows_) +
                                                   ": sample skipped"});
    return std::nullopt;
  }
  auto parsed = CellToDouble(columns_[column].kind, *cell);
  if (!parsed.ok()) {
    Fail(QueryError::kInvalidValue, metric.where + "value column \"" + name + "\" at row " +
                                        std::to_string(rows_) + ": " + parsed.status().message());
    return std::nullopt;
  }
  return *parsed;
}

void RowMapper::Emit(Metric& metric, std::vector<Label> labels, double value) {
  const size_t hash = HashLabels(labels);
  ++samples_;
  if (metric.lines) {
    std::string& lines = metric.family.sample_lines;
    const size_t offset = lines.size();
    AppendSample(lines, metric.spec->name, labels, value);
    // Room for the rest at this line's length and some more, so the text is
    // not copied as it grows (a copy holds both at once). Reserved pages that
    // are never written cost address space, not memory (blocks this big are
    // mapped on their own: see main.cc).
    if (offset == 0) lines.reserve((lines.size() + 16) * metric.expected * 5 / 4 + 4096);
    metric.label_sets.emplace_back(hash, offset);
    return;
  }
  metric.label_sets.emplace_back(hash, metric.family.samples.size());
  metric.family.samples.push_back({std::move(labels), value});
}

bool RowMapper::Add(Metric& metric, const std::vector<CellView>& cells) {
  const MetricSpec& spec = *metric.spec;
  std::vector<Label> labels;
  if (!Labels(metric, cells, &labels)) return false;
  if (spec.type == MetricType::kHistogram) {
    const size_t hash = HashLabels(labels);
    if (!AddHistogram(metric, cells, std::move(labels))) return false;
    metric.label_sets.emplace_back(hash, metric.family.samples.size() - 1);  // Its _count.
    return true;
  }
  if (spec.values.empty()) {
    double value = spec.static_value.value_or(0);
    if (metric.value_column) {
      auto read = Value(metric, cells, *metric.value_column, spec.value_column);
      if (!read) return !failed_;  // Skipped (NULL) or failed.
      value = *read;
    }
    Emit(metric, std::move(labels), value);
    return true;
  }
  // One sample per value column, its label value told by value_label.
  for (size_t i = 0; i < spec.values.size(); ++i) {
    auto read = Value(metric, cells, metric.value_columns[i], spec.values[i].column);
    if (!read) {
      if (failed_) return false;
      continue;
    }
    std::vector<Label> with = labels;
    Label extra{spec.value_label, spec.values[i].label_value};
    with.insert(std::upper_bound(with.begin(), with.end(), extra,
                                 [](const Label& a, const Label& b) { return a.name < b.name; }),
                std::move(extra));
    Emit(metric, std::move(with), *read);
  }
  return true;
}

bool RowMapper::Row(const std::vector<CellView>& cells) {
  ++rows_;
  if (failed_) return false;
  for (Metric& metric : metrics_) {
    if (!Add(metric, cells)) break;
  }
  if (!failed_ && samples_ > static_cast<size_t>(query_.max_series)) {
    Fail(QueryError::kTooManySeries,
         "query '" + query_.name + "': more than max_series " + std::to_string(query_.max_series) +
             " samples at row " + std::to_string(rows_) +
             ": stopped reading; the query's samples are dropped");
  }
  if (failed_) metrics_.clear();  // Nothing of the query is served: free what was mapped.
  return !failed_;
}

void RowMapper::Truncated() {
  // Whatever else was wrong, this is the reason nothing is served.
  errors_.clear();
  metrics_.clear();
  Fail(QueryError::kTooManySeries,
       "query '" + query_.name + "': more than " + std::to_string(rows_) +
           " rows, past max_series " + std::to_string(query_.max_series) +
           ": stopped reading; the query's samples are dropped");
}

MappedQuery RowMapper::Finish() {
  MappedQuery out;
  out.failed = failed_;
  for (Metric& metric : metrics_) {
    if (failed_) break;
    if (DropsDuplicates(metric)) continue;
    out.series += metric.lines ? metric.label_sets.size() : metric.family.samples.size();
    out.families.push_back(std::move(metric.family));
  }
  metrics_.clear();
  out.errors = std::move(errors_);
  if (out.failed) {
    out.families.clear();
    out.series = 0;
  }
  return out;
}

bool RowMapper::DropsDuplicates(Metric& metric) {
  auto& sets = metric.label_sets;
  std::sort(sets.begin(), sets.end());
  const std::vector<Sample>& samples = metric.family.samples;
  const std::string& lines = metric.family.sample_lines;
  const size_t name_size = metric.family.name.size();
  // Whether the rows at `a` and `b` (indexes or line offsets) have one label set.
  auto same = [&](size_t a, size_t b) {
    if (metric.lines) return LabelsOfLine(lines, a, name_size) == LabelsOfLine(lines, b, name_size);
    return samples[a].labels == samples[b].labels;
  };
  for (size_t i = 1; i < sets.size(); ++i) {
    if (sets[i].first != sets[i - 1].first) continue;
    // Equal hashes: compare the label sets themselves (any earlier one of the run).
    for (size_t j = i; j > 0 && sets[j - 1].first == sets[i].first; --j) {
      if (!same(sets[j - 1].second, sets[i].second)) continue;
      std::string text;
      if (metric.lines) {
        text = std::string(LabelsOfLine(lines, sets[i].second, name_size));
        if (text.empty()) text = "{}";
      } else {
        text = LabelText(samples[sets[i].second].labels);
      }
      errors_.push_back({QueryError::kDuplicateSeries,
                         metric.where + "two rows give the label set " + text +
                             ": the metric's samples are dropped"});
      return true;
    }
  }
  return false;
}

MappedQuery MapRows(const QuerySpec& query, const RowSet& rows) {
  RowMapper mapper(query);
  StreamRowSet(rows, kNoRowLimit, mapper);
  return mapper.Finish();
}

}  // namespace rse
