// Runs one query on one connection under a deadline and says what happened:
// the rows mapped to families, or the typed reason and the backend's Status,
// and how long it ran. Never throws. Knows the statements it runs, so that
// Shutdown() can cancel them. Thread-safe.
#pragma once

#include <set>

#include "base/clock.h"
#include "base/deadline.h"
#include "base/mutex.h"
#include "catalog/query_spec.h"
#include "collect/query_outcome.h"
#include "collect/row_mapper.h"
#include "db/connection.h"

namespace rse {

class QueryRunner {
 public:
  // After a result of more rows than this, freed memory goes back to the system.
  static constexpr size_t kTrimAfterRows = 20'000;
  explicit QueryRunner(const Clock* clock) : clock_(clock) {}
  QueryRunner(const QueryRunner&) = delete;
  QueryRunner& operator=(const QueryRunner&) = delete;

  // `exclusive`: no other query produces the query's metric names, so a big
  // result may be kept as exposition lines (see RowMapper).
  std::shared_ptr<QueryOutcome> Run(const QuerySpec& query, Connection& connection,
                                    const Deadline& deadline, bool exclusive = false);

  // One query of a batch (see RunBatch): what it is, its deadline, and then
  // whether it ran (see BatchStatement::ran), from when, and its outcome
  // (null when it did not run).
  struct Batched {
    const QuerySpec* query = nullptr;
    StatementDeadline deadline;
    bool exclusive = false;
    bool ran = false;
    TimePoint started{};
    std::shared_ptr<QueryOutcome> outcome;
  };
  // Runs `batch` in order on `connection`, sent together where the engine
  // allows (Connection::StreamBatch); each query's outcome is its own.
  void RunBatch(std::vector<Batched>& batch, Connection& connection);

  // Cancels every statement running now; later Run()s fail at once.
  void Shutdown();

 private:
  const Clock* const clock_;
  Mutex mu_;
  bool stopping_ GUARDED_BY(mu_) = false;
  // False when shutting down; else `connection` is cancelled by Shutdown()
  // until Leave().
  bool Enter(Connection* connection);
  void Leave(Connection* connection);
  // What a query's streamed result or failure comes to.
  std::shared_ptr<QueryOutcome> Outcome(RowMapper& mapper, const Status& streamed,
                                        TimePoint start, TimePoint end, size_t max_rows) const;

  std::set<Connection*> running_ GUARDED_BY(mu_);
};

}  // namespace rse
