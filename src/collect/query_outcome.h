// The result of one execution of one query: what it produced and what went wrong.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "collect/row_mapper.h"
#include "model/metric_family.h"

namespace rse {

struct QueryOutcome {
  bool ok = false;
  std::string
      error_reason;  // When !ok: timeout, sql, connection, invalid_value or too_many_series.
  std::string error_message;
  std::vector<MetricFamily> families;
  std::vector<MappingError> mapping_errors;  // Also on success (null_value, duplicate_series).
  double duration_seconds = 0;
  size_t rows = 0;
  TimePoint finished_at{};
};

using SharedOutcome = std::shared_ptr<const QueryOutcome>;

}  // namespace rse
