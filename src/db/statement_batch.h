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
//
// `stall`, for a query without a timeout of its own that another replica
// could run: it stops after `stall` when `bound` leaves room for running it
// again after that (kStallRoom × stall from its start), so that a replica
// stalled under it costs the scrape `stall`, not the whole scrape.
struct StatementDeadline {
  static constexpr int kStallRoom = 4;
  std::optional<Deadline> bound;
  std::optional<std::chrono::milliseconds> timeout;
  std::optional<std::chrono::milliseconds> stall;

  // Whether a statement starting at `start` stops at its stall, not `bound`.
  bool StallsAt(TimePoint start) const {
    return !timeout && stall && bound && bound->at() - start >= kStallRoom * *stall;
  }
  Deadline From(TimePoint start) const {
    if (StallsAt(start)) return Deadline(start + *stall);
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
