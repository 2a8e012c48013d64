#include "collect/row_mapper.h"

#include <gtest/gtest.h>

#include <cmath>

#include "collect/row_mapper_helpers.h"
#include "exposition/text_format.h"

namespace rse {
namespace {

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
