// Shared by the scrape engine tests: a fixture over a fake backend and a fake
// clock, engine hooks to synchronise on, and helpers to read results.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <condition_variable>
#include <future>
#include <sstream>

#include "collect/scrape_engine.h"
#include "fakes/fake_backend.h"
#include "testing/gate.h"
#include "fakes/fake_clock.h"
#include "testing/event_counter.h"

namespace rse {

using namespace std::chrono_literals;
using testing::FakeMember;

// A query "name" whose SQL is its name; one gauge "<name>_value" from column v.
inline QuerySpec Query(const std::string& name,
                       std::optional<std::chrono::milliseconds> cache = std::nullopt) {
  QuerySpec q;
  q.name = name;
  q.sql = name;
  q.cache = cache;
  if (cache) q.max_staleness = 2 * *cache;
  MetricSpec m;
  m.name = name + "_value";
  m.help = "Value of " + name + ".";
  m.value_column = "v";
  q.metrics.push_back(m);
  return q;
}

inline RowSet Value(double v) { return {{{"v", ColumnKind::kFloat}}, {{Cell(std::to_string(v))}}}; }

// The value of metric `name` with label query=`query` (or no label when empty), or nullopt.
inline std::optional<double> Find(const std::vector<MetricFamily>& families,
                                  const std::string& name, const std::string& query = "",
                                  const std::string& reason = "") {
  for (const MetricFamily& f : families) {
    if (f.name != name) continue;
    for (const Sample& s : f.samples) {
      bool match = true;
      for (const Label& l : s.labels) {
        if (l.name == "query" && l.value != query) match = false;
        if (l.name == "reason" && l.value != reason) match = false;
      }
      if (match) return s.value;
    }
  }
  return std::nullopt;
}

// The value of the sample of `name` whose labels are exactly `labels`, or nullopt.
inline std::optional<double> FindExact(const std::vector<MetricFamily>& families,
                                       const std::string& name, const std::vector<Label>& labels) {
  for (const MetricFamily& f : families) {
    if (f.name != name) continue;
    for (const Sample& s : f.samples) {
      if (s.labels == labels) return s.value;
    }
  }
  return std::nullopt;
}

inline size_t CountSamples(const std::vector<MetricFamily>& families, const std::string& name) {
  size_t n = 0;
  for (const MetricFamily& f : families) n += f.name == name ? f.samples.size() : 0;
  return n;
}

using testing::Gate;  // Blocks queries until Release(); counts how many are waiting.

class ScrapeEngineTest : public ::testing::Test {
 protected:
  void Make(std::vector<QuerySpec> queries, int members = 1, int max_concurrent = 4) {
    std::vector<Member> list;
    for (int port = 1; port <= members; ++port)
      list.push_back({"db:" + std::to_string(port), {"db", port}, ""});
    PoolOptions options;
    options.connections_per_replica = max_concurrent;
    pool_ = std::make_unique<ReplicaPool>(std::move(list), options, &backend_, &clock_, &logger_);
    ScrapeEngineOptions engine_options;
    engine_options.max_concurrent_queries = max_concurrent;
    engine_options.on_joined = joined_.Hook();
    engine_options.on_published = published_.Hook();
    engine_ = std::make_unique<ScrapeEngine>(std::move(queries), engine_options, pool_.get(),
                                             &clock_, &logger_);
  }

  void OnQuery(int port, std::function<StatusOr<RowSet>(std::string_view, const Deadline&)> f) {
    backend_.Edit(port, [&](FakeMember& m) { m.query = std::move(f); });
  }

  std::ostringstream log_;
  Logger logger_{LogLevel::kDebug, LogFormat::kLogfmt, &log_};
  testing::FakeClock clock_;
  testing::FakeBackend backend_;
  testing::EventCounter joined_, published_;
  std::unique_ptr<ReplicaPool> pool_;
  std::unique_ptr<ScrapeEngine> engine_;
};

}  // namespace rse
