// Both exposition formats fed families built from the input (label values and
// sample values are what a database returns, so any bytes and any double):
// never a crash, and every sample stays on one line (escaping holds).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "exposition/text_format.h"

namespace {

class Input {
 public:
  Input(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool empty() const { return pos_ >= size_; }
  uint8_t Byte() { return empty() ? 0 : data_[pos_++]; }
  std::string Bytes() {
    size_t n = Byte() % 24;
    std::string out;
    while (n-- > 0 && !empty()) out.push_back(static_cast<char>(Byte()));
    return out;
  }
  double Double() {
    uint64_t bits = 0;
    for (int i = 0; i < 8; ++i) bits = bits << 8 | Byte();
    double value;
    std::memcpy(&value, &bits, sizeof value);
    return value;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Input in(data, size);
  static const char* kNames[] = {"shop_orders", "shop_orders_total", "shop_latency_seconds",
                                 "shop_info"};
  static const char* kLabels[] = {"status", "country", "region"};
  std::vector<rse::MetricFamily> families;
  size_t samples = 0, rendered_families = 0;
  while (!in.empty() && families.size() < 8) {
    uint8_t kind = in.Byte();
    rse::MetricFamily family;
    family.name = kNames[kind % 4] + std::to_string(families.size());
    family.type = (kind & 4) ? rse::MetricType::kCounter : rse::MetricType::kGauge;
    if (family.type == rse::MetricType::kCounter) family.name += "_total";
    family.help = in.Bytes();
    size_t count = in.Byte() % 6;
    for (size_t i = 0; i < count && !in.empty(); ++i) {
      rse::Sample sample;
      size_t labels = in.Byte() % 3;
      for (size_t l = 0; l < labels; ++l) sample.labels.push_back({kLabels[l], in.Bytes()});
      sample.value = in.Double();
      family.samples.push_back(std::move(sample));
      ++samples;
    }
    if (!family.empty()) ++rendered_families;  // Empty families are left out.
    families.push_back(std::move(family));
  }
  std::string text = rse::RenderText(families);
  size_t lines = 0;
  for (char c : text) lines += c == '\n';
  // HELP and TYPE per family, one line per sample: an unescaped newline adds one.
  if (lines != 2 * rendered_families + samples) __builtin_trap();
  std::string open_metrics = rse::RenderOpenMetrics(families);
  if (open_metrics.size() < 6 || open_metrics.compare(open_metrics.size() - 6, 6, "# EOF\n") != 0)
    __builtin_trap();
  return 0;
}
