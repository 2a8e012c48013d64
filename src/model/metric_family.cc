#include "model/metric_family.h"

namespace rse {

const char* MetricTypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter: return "counter";
    case MetricType::kHistogram: return "histogram";
    default: return "gauge";
  }
}

}  // namespace rse
