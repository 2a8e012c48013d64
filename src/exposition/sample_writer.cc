#include "exposition/sample_writer.h"

#include <map>

namespace rse {

std::vector<const MetricFamily*> GroupFamilies(const std::vector<MetricFamily>& families,
                                               std::vector<MetricFamily>* merged_storage) {
  std::map<std::string_view, std::vector<size_t>> by_name;
  std::vector<std::string_view> order;
  for (size_t i = 0; i < families.size(); ++i) {
    if (families[i].empty()) continue;
    auto& indexes = by_name[families[i].name];
    if (indexes.empty()) order.push_back(families[i].name);
    indexes.push_back(i);
  }
  merged_storage->clear();
  merged_storage->reserve(order.size());  // Pointers into it must stay valid.
  std::vector<const MetricFamily*> out;
  for (std::string_view name : order) {
    const std::vector<size_t>& indexes = by_name[name];
    if (indexes.size() == 1) {
      out.push_back(&families[indexes[0]]);
      continue;
    }
    MetricFamily merged = families[indexes[0]];
    for (size_t k = 1; k < indexes.size(); ++k) {
      const auto& more = families[indexes[k]].samples;
      merged.samples.insert(merged.samples.end(), more.begin(), more.end());
      merged.sample_lines += families[indexes[k]].sample_lines;
    }
    merged_storage->push_back(std::move(merged));
    out.push_back(&merged_storage->back());
  }
  return out;
}

}  // namespace rse
