#include "collect/row_mapper.h"

#include <gtest/gtest.h>

#include <cmath>

#include "exposition/text_format.h"

namespace rse {
namespace {

QuerySpec Query(std::vector<MetricSpec> metrics) {
  QuerySpec q;
  q.name = "orders";
  q.sql = "SELECT ...";
  q.metrics = std::move(metrics);
  return q;
}

MetricSpec Gauge(std::string name, std::vector<std::string> labels, std::string value) {
  MetricSpec m;
  m.name = std::move(name);
  m.help = "Help.";
  m.labels = std::move(labels);
  m.value_column = std::move(value);
  return m;
}

RowSet Rows(std::vector<Column> columns, std::vector<std::vector<Cell>> rows) {
  return {std::move(columns), std::move(rows)};
}

const Column kStatus{"status", ColumnKind::kText};
const Column kCount{"n", ColumnKind::kInteger};

TEST(RowMapperTest, OneSamplePerRowWithSortedLabels) {
  MetricSpec m = Gauge("shop_orders", {"status"}, "n");
  m.static_labels = {{"source", "oltp"}, {"a", "first"}};
  auto out = MapRows(
      Query({m}), Rows({kStatus, kCount}, {{Cell("paid"), Cell("3")}, {Cell("new"), Cell("4")}}));
  ASSERT_FALSE(out.failed);
  EXPECT_TRUE(out.errors.empty());
  ASSERT_EQ(out.families.size(), 1u);
  const auto& samples = out.families[0].samples;
  ASSERT_EQ(samples.size(), 2u);
  EXPECT_EQ(samples[0].labels,
            (std::vector<Label>{{"a", "first"}, {"source", "oltp"}, {"status", "paid"}}));
  EXPECT_EQ(samples[0].value, 3);
  EXPECT_EQ(samples[1].value, 4);
}

TEST(RowMapperTest, NullLabelIsEmptyString) {
  auto out =
      MapRows(Query({Gauge("m", {"status"}, "n")}), Rows({kStatus, kCount}, {{Cell(), Cell("1")}}));
  ASSERT_EQ(out.families[0].samples.size(), 1u);
  EXPECT_EQ(out.families[0].samples[0].labels[0].value, "");
}

TEST(RowMapperTest, NullValueIsSkippedAndCounted) {
  auto out = MapRows(Query({Gauge("m", {"status"}, "n")}),
                     Rows({kStatus, kCount}, {{Cell("a"), Cell()}, {Cell("b"), Cell("2")}}));
  EXPECT_FALSE(out.failed);
  ASSERT_EQ(out.families[0].samples.size(), 1u);
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_EQ(out.errors[0].reason, QueryError::kNullValue);
  EXPECT_NE(out.errors[0].message.find("row 1"), std::string::npos);
}

TEST(RowMapperTest, NullValueSubstitutedWhenConfigured) {
  MetricSpec m = Gauge("m", {}, "n");
  m.null_value = -1;
  auto out = MapRows(Query({m}), Rows({kCount}, {{Cell()}}));
  ASSERT_EQ(out.families[0].samples.size(), 1u);
  EXPECT_EQ(out.families[0].samples[0].value, -1);
  EXPECT_TRUE(out.errors.empty());
}

TEST(RowMapperTest, TextThatIsNotANumberFailsTheQueryNamingColumnAndRow) {
  auto out = MapRows(Query({Gauge("m", {}, "status"), Gauge("ok", {}, "n")}),
                     Rows({kStatus, kCount}, {{Cell("12"), Cell("1")}, {Cell("lots"), Cell("2")}}));
  EXPECT_TRUE(out.failed);
  EXPECT_TRUE(out.families.empty());
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_EQ(out.errors[0].reason, QueryError::kInvalidValue);
  EXPECT_NE(
      out.errors[0].message.find(
          "query 'orders' metric m: value column \"status\" at row 2: \"lots\" is not a number"),
      std::string::npos)
      << out.errors[0].message;
}

TEST(RowMapperTest, MissingColumnFailsTheQuery) {
  auto out = MapRows(Query({Gauge("m", {"state"}, "n")}),
                     Rows({kStatus, kCount}, {{Cell("a"), Cell("1")}}));
  EXPECT_TRUE(out.failed);
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_NE(out.errors[0].message.find(
                "label column \"state\" is not in the result (columns: status, n)"),
            std::string::npos);
}

TEST(RowMapperTest, DuplicateLabelSetDropsThatMetricOnly) {
  auto out = MapRows(Query({Gauge("dup", {"status"}, "n"), Gauge("total", {}, "n")}),
                     Rows({kStatus, kCount}, {{Cell("a"), Cell("1")}, {Cell("a"), Cell("2")}}));
  EXPECT_FALSE(out.failed);
  ASSERT_EQ(out.errors.size(),
            2u);  // dup: duplicate; total: also two rows with the empty label set.
  EXPECT_EQ(out.errors[0].reason, QueryError::kDuplicateSeries);
  EXPECT_NE(out.errors[0].message.find("{status=\"a\"}"), std::string::npos);
  EXPECT_TRUE(out.families.empty());
}

TEST(RowMapperTest, DuplicateInOneMetricKeepsTheOthers) {
  auto out = MapRows(Query({Gauge("dup", {}, "n"), Gauge("fine", {"status"}, "n")}),
                     Rows({kStatus, kCount}, {{Cell("a"), Cell("1")}, {Cell("b"), Cell("2")}}));
  EXPECT_FALSE(out.failed);
  ASSERT_EQ(out.families.size(), 1u);
  EXPECT_EQ(out.families[0].name, "fine");
}

TEST(RowMapperTest, TooManySeriesDropsTheQuery) {
  QuerySpec q = Query({Gauge("m", {"status"}, "n")});
  q.max_series = 1;
  auto out = MapRows(q, Rows({kStatus, kCount}, {{Cell("a"), Cell("1")}, {Cell("b"), Cell("2")}}));
  EXPECT_TRUE(out.failed);
  EXPECT_TRUE(out.families.empty());
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_EQ(out.errors[0].reason, QueryError::kTooManySeries);
}

TEST(RowMapperTest, StaticValueForInfoMetrics) {
  MetricSpec m = Gauge("shop_info", {"status"}, "");
  m.static_value = 1;
  auto out = MapRows(Query({m}), Rows({kStatus}, {{Cell("v3")}}));
  ASSERT_EQ(out.families[0].samples.size(), 1u);
  EXPECT_EQ(out.families[0].samples[0].value, 1);
}

TEST(RowMapperTest, ConvertsTypedColumns) {
  auto out = MapRows(Query({Gauge("b", {}, "flag"), Gauge("t", {}, "ts"), Gauge("d", {}, "dec")}),
                     Rows({{"flag", ColumnKind::kBoolean},
                           {"ts", ColumnKind::kTimestamp},
                           {"dec", ColumnKind::kDecimal}},
                          {{Cell("t"), Cell("1970-01-02 00:00:01"), Cell("-12.50")}}));
  ASSERT_EQ(out.families.size(), 3u);
  EXPECT_EQ(out.families[0].samples[0].value, 1);
  EXPECT_EQ(out.families[1].samples[0].value, 86401);
  EXPECT_EQ(out.families[2].samples[0].value, -12.5);
}

MetricSpec Histogram() {
  MetricSpec m;
  m.name = "shop_order_amount";
  m.type = MetricType::kHistogram;
  m.help = "Order totals.";
  m.labels = {"status"};
  m.buckets = {{10, "le_10"}, {50, "le_50"}, {HUGE_VAL, "n"}};
  m.sum_column = "s";
  return m;
}

RowSet HistogramRows(const char* le_10, const char* le_50) {
  return Rows({kStatus,
               {"le_10", ColumnKind::kInteger},
               {"le_50", ColumnKind::kInteger},
               {"n", ColumnKind::kInteger},
               {"s", ColumnKind::kDecimal}},
              {{Cell("paid"), Cell(le_10), Cell(le_50), Cell("7"), Cell("123.5")}});
}

TEST(RowMapperTest, HistogramFromCumulativeBucketColumns) {
  auto out = MapRows(Query({Histogram()}), HistogramRows("2", "5"));
  ASSERT_FALSE(out.failed);
  ASSERT_EQ(out.families.size(), 1u);
  const auto& samples = out.families[0].samples;
  ASSERT_EQ(samples.size(), 5u);
  EXPECT_EQ(samples[0].suffix, "_bucket");
  EXPECT_EQ(samples[0].labels, (std::vector<Label>{{"status", "paid"}, {"le", "10"}}));
  EXPECT_EQ(samples[0].value, 2);
  EXPECT_EQ(samples[2].labels.back().value, "+Inf");
  EXPECT_EQ(samples[2].value, 7);
  EXPECT_EQ(samples[3].suffix, "_sum");
  EXPECT_EQ(samples[3].value, 123.5);
  EXPECT_EQ(samples[4].suffix, "_count");
  EXPECT_EQ(samples[4].value, 7);
}

TEST(RowMapperTest, HistogramBucketsMustBeCumulative) {
  auto out = MapRows(Query({Histogram()}), HistogramRows("6", "5"));
  EXPECT_TRUE(out.failed);
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_EQ(out.errors[0].reason, QueryError::kInvalidValue);
  EXPECT_NE(out.errors[0].message.find("buckets must be cumulative"), std::string::npos);
}

TEST(RowMapperTest, HistogramBucketMustNotBeNull) {
  auto out = MapRows(Query({Histogram()}),
                     Rows({kStatus,
                           {"le_10", ColumnKind::kInteger},
                           {"le_50", ColumnKind::kInteger},
                           {"n", ColumnKind::kInteger},
                           {"s", ColumnKind::kDecimal}},
                          {{Cell("paid"), Cell(), Cell("5"), Cell("7"), Cell("1")}}));
  EXPECT_TRUE(out.failed);
  EXPECT_NE(out.errors[0].message.find("column \"le_10\" at row 1"), std::string::npos)
      << out.errors[0].message;
}

TEST(RowMapperTest, CachedQueryHelpSaysSo) {
  QuerySpec q = Query({Gauge("m", {}, "n")});
  q.cache = std::chrono::minutes(5);
  EXPECT_EQ(ExposedHelp(q, q.metrics[0]), "Help. Cached: refreshed at most every 5m.");
  q.cache.reset();
  EXPECT_EQ(ExposedHelp(q, q.metrics[0]), "Help.");
}

TEST(RowMapperTest, ALabelThatIsNotUtf8FailsTheQueryNamingColumnAndRow) {
  auto out =
      MapRows(Query({Gauge("m", {"status"}, "n")}),
              Rows({kStatus, kCount}, {{Cell("paid"), Cell("1")}, {Cell("\xff\xfe"), Cell("2")}}));
  EXPECT_TRUE(out.failed) << "one bad byte would make Prometheus drop the whole target";
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_EQ(out.errors[0].reason, QueryError::kInvalidValue);
  EXPECT_NE(out.errors[0].message.find("label column \"status\" at row 2 is not valid UTF-8"),
            std::string::npos)
      << out.errors[0].message;
  EXPECT_TRUE(out.families.empty());
}

TEST(RowMapperTest, ATruncatedResultIsTooManySeriesWithoutMappingIt) {
  QuerySpec q = Query({Gauge("m", {"status"}, "n")});
  q.max_series = 1;
  RowSet rows = Rows({kStatus, kCount}, {{Cell("a"), Cell("1")}, {Cell("b"), Cell("2")}});
  rows.truncated = true;  // The backend stopped reading at max_series + 1 rows.
  auto out = MapRows(q, rows);
  EXPECT_TRUE(out.failed);
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_EQ(out.errors[0].reason, QueryError::kTooManySeries);
  EXPECT_NE(out.errors[0].message.find("stopped reading"), std::string::npos);
  EXPECT_TRUE(out.families.empty());
}

}  // namespace
}  // namespace rse

namespace rse {
namespace {

TEST(RowMapperTest, StopsReadingOnceTheQueryHasMoreSamplesThanMaxSeries) {
  QuerySpec q = Query({Gauge("m", {"status"}, "n")});
  q.max_series = 10;
  std::vector<std::vector<Cell>> many;
  for (int i = 0; i < 1000; ++i) many.push_back({Cell("s" + std::to_string(i)), Cell("1")});
  RowMapper mapper(q);
  StreamRowSet(Rows({kStatus, kCount}, many), kNoRowLimit, mapper);
  EXPECT_EQ(mapper.rows(), 11u) << "the 11th sample is one too many: no row after it is read";
  MappedQuery out = mapper.Finish();
  EXPECT_TRUE(out.failed);
  EXPECT_TRUE(out.families.empty());
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_EQ(out.errors[0].reason, QueryError::kTooManySeries);
}

TEST(RowMapperTest, StreamedRowsMapLikeAWholeResult) {
  QuerySpec q = Query({Gauge("m", {"status"}, "n"), Gauge("total", {}, "n")});
  RowSet rows = Rows({kStatus, kCount}, {{Cell("a"), Cell("1")}, {Cell("b"), Cell()}});
  RowMapper mapper(q);
  StreamRowSet(rows, kNoRowLimit, mapper);
  MappedQuery streamed = mapper.Finish();
  MappedQuery whole = MapRows(q, rows);
  ASSERT_EQ(streamed.families.size(), whole.families.size());
  for (size_t i = 0; i < whole.families.size(); ++i) {
    EXPECT_EQ(streamed.families[i].name, whole.families[i].name);
    EXPECT_EQ(streamed.families[i].samples.size(), whole.families[i].samples.size());
  }
  EXPECT_EQ(streamed.errors.size(), 2u);  // m and total: row 2's NULL value skipped, each.
}

}  // namespace
}  // namespace rse

namespace rse {
namespace {

// Rows "status" = s0..s<n-1> (with a space and a quote in them), "n" = i.
RowSet ManyRows(int n) {
  std::vector<std::vector<Cell>> rows;
  for (int i = 0; i < n; ++i)
    rows.push_back({Cell("s " + std::to_string(i) + "\""), Cell(std::to_string(i))});
  return Rows({kStatus, kCount}, rows);
}

TEST(RowMapperTest, ABigResultOfAnExclusiveQueryIsKeptAsLinesThatRenderTheSame) {
  QuerySpec q = Query({Gauge("m", {"status"}, "n")});
  const RowSet rows = ManyRows(static_cast<int>(RowMapper::kLinesAbove) + 1);
  RowMapper lines(q, /*may_write_lines=*/true);
  StreamRowSet(rows, kNoRowLimit, lines);
  MappedQuery compact = lines.Finish();
  MappedQuery structured = MapRows(q, rows);
  ASSERT_EQ(compact.families.size(), 1u);
  EXPECT_TRUE(compact.families[0].samples.empty());
  EXPECT_FALSE(compact.families[0].sample_lines.empty());
  EXPECT_EQ(structured.families[0].samples.size(), rows.rows.size());
  EXPECT_EQ(RenderText(compact.families), RenderText(structured.families));
  EXPECT_EQ(RenderOpenMetrics(compact.families), RenderOpenMetrics(structured.families));
}

TEST(RowMapperTest, ASmallResultStaysSamplesEvenWhenLinesAreAllowed) {
  QuerySpec q = Query({Gauge("m", {"status"}, "n")});
  RowMapper mapper(q, /*may_write_lines=*/true);
  StreamRowSet(ManyRows(10), kNoRowLimit, mapper);
  MappedQuery out = mapper.Finish();
  ASSERT_EQ(out.families.size(), 1u);
  EXPECT_EQ(out.families[0].samples.size(), 10u);
  EXPECT_TRUE(out.families[0].sample_lines.empty());
}

TEST(RowMapperTest, DuplicateLabelSetsAreFoundInLinesToo) {
  QuerySpec q = Query({Gauge("m", {"status"}, "n"), Gauge("fine", {}, "n")});
  q.metrics[1].static_labels = {};
  RowSet rows = ManyRows(static_cast<int>(RowMapper::kLinesAbove) + 5);
  rows.rows.push_back({Cell("s 7\""), Cell("99")});  // Row 7's label set again, another value.
  RowMapper mapper(q, /*may_write_lines=*/true);
  StreamRowSet(rows, kNoRowLimit, mapper);
  MappedQuery out = mapper.Finish();
  EXPECT_FALSE(out.failed);
  ASSERT_GE(out.errors.size(), 1u);
  EXPECT_EQ(out.errors[0].reason, QueryError::kDuplicateSeries);
  EXPECT_NE(out.errors[0].message.find("{status=\"s 7\\\"\"}"), std::string::npos)
      << out.errors[0].message;
  for (const MetricFamily& family : out.families) EXPECT_NE(family.name, "m");
}

}  // namespace
}  // namespace rse

namespace rse {
namespace {

TEST(RowMapperTest, AColumnNamedTwiceIsAmbiguousAndFailsTheQuery) {
  auto out = MapRows(Query({Gauge("m", {}, "n")}),
                     Rows({kCount, kCount}, {{Cell("1"), Cell("2")}}));
  EXPECT_TRUE(out.failed);
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_EQ(out.errors[0].reason, QueryError::kInvalidValue);
  EXPECT_NE(out.errors[0].message.find("\"n\" is in the result twice"), std::string::npos)
      << out.errors[0].message;
}

}  // namespace
}  // namespace rse
