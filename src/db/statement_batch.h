// A connection's catalog statements of one scrape, sent together so that a
// replica across a network costs one round trip for all of them instead of
// one each (see Connection::StreamBatch). Each statement keeps its own
// deadline, transaction, settings, error and cancel.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/deadline.h"
#include "base/session_setting.h"
#include "base/status.h"
#include "db/row_set.h"

namespace rse {

// A statement's deadline, which counts from when it starts: `bound`, or
// `timeout` after its start when that comes first (a query's own timeout
// counts from when it runs, not from when its batch was sent). At least one
// of the two is set.
struct StatementDeadline {
  std::optional<Deadline> bound;
  std::optional<std::chrono::milliseconds> timeout;
  Deadline From(TimePoint start) const {
    if (!timeout) return *bound;
    const Deadline own(start + *timeout);
    return bound ? bound->Min(own) : own;
  }
};

struct BatchStatement {
  // What Connection::Stream takes; `settings` outlives the batch.
  std::string_view sql;
  std::string_view name;
  size_t max_rows = kNoRowLimit;
  RowSink* sink = nullptr;
  const std::vector<SessionSetting>* settings = nullptr;
  StatementDeadline deadline;

  // Set by StreamBatch. `ran` false: the statement never ran, because an
  // earlier one of the batch left the session unusable (its failure is that
  // one's, not this one's): run it again on another session.
  bool ran = false;
  Status status;
  TimePoint started{};
  TimePoint finished{};
};

// Marks `statement` as run: it started at `started`, ended at `finished` with `status`.
void Ran(BatchStatement& statement, TimePoint started, TimePoint finished, Status status);

// The SQL that cannot share a batch: text holding ";" (apart from trailing
// ones) may be several statements, whose results a batch cannot tell apart.
bool Batchable(std::string_view sql);

}  // namespace rse
