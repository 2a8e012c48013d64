// Several value columns (values + value_label) and units, as the row mapper
// and the renderers turn them into series.
#include <gtest/gtest.h>

#include "collect/row_mapper.h"
#include "exposition/text_format.h"

namespace rse {
namespace {

const Column kStatus{"status", ColumnKind::kText};
const Column kRevenue{"revenue", ColumnKind::kFloat};
const Column kRefunds{"refunds", ColumnKind::kFloat};

QuerySpec Money(std::vector<MetricSpec::ValueColumn> values) {
  MetricSpec m;
  m.name = "shop_money";
  m.help = "Money by status and kind.";
  m.labels = {"status"};
  m.static_labels = {{"source", "oltp"}};
  m.values = std::move(values);
  m.value_label = "kind";
  QuerySpec q;
  q.name = "money";
  q.sql = "SELECT ...";
  q.metrics = {m};
  return q;
}

TEST(RowMapperValuesTest, EachValueColumnIsASeriesNamedByTheValueLabel) {
  auto out = MapRows(Money({{"revenue", "gross"}, {"refunds", "refunds"}}),
                     {{kStatus, kRevenue, kRefunds},
                      {{Cell("paid"), Cell("10.5"), Cell("1")}, {Cell("new"), Cell("3"), Cell("0")}}});
  ASSERT_FALSE(out.failed);
  EXPECT_TRUE(out.errors.empty());
  ASSERT_EQ(out.families.size(), 1u) << "one family, not one per column";
  EXPECT_EQ(out.series, 4u);
  EXPECT_EQ(RenderText(out.families),
            "# HELP shop_money Money by status and kind.\n# TYPE shop_money gauge\n"
            "shop_money{kind=\"gross\",source=\"oltp\",status=\"paid\"} 10.5\n"
            "shop_money{kind=\"refunds\",source=\"oltp\",status=\"paid\"} 1\n"
            "shop_money{kind=\"gross\",source=\"oltp\",status=\"new\"} 3\n"
            "shop_money{kind=\"refunds\",source=\"oltp\",status=\"new\"} 0\n");
}

TEST(RowMapperValuesTest, ANullSkipsOnlyItsColumnsSampleAndTextFailsTheQuery) {
  auto out = MapRows(Money({{"revenue", "revenue"}, {"refunds", "refunds"}}),
                     {{kStatus, kRevenue, kRefunds}, {{Cell("paid"), Cell("10"), Cell()}}});
  ASSERT_FALSE(out.failed);
  ASSERT_EQ(out.families[0].samples.size(), 1u);
  EXPECT_EQ(out.families[0].samples[0].labels[0].value, "revenue");
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_EQ(out.errors[0].reason, QueryError::kNullValue);
  EXPECT_NE(out.errors[0].message.find("NULL in value column \"refunds\" at row 1"), std::string::npos);

  auto bad = MapRows(Money({{"revenue", "revenue"}, {"refunds", "refunds"}}),
                     {{kStatus, kRevenue, {"refunds", ColumnKind::kText}},
                      {{Cell("paid"), Cell("10"), Cell("lots")}}});
  EXPECT_TRUE(bad.failed);
  EXPECT_NE(bad.errors.back().message.find("value column \"refunds\" at row 1"), std::string::npos)
      << bad.errors.back().message;
}

TEST(RowMapperValuesTest, ABigResultKeptAsLinesRendersLikeSamples) {
  QuerySpec q = Money({{"revenue", "gross"}, {"refunds", "refunds"}});
  RowSet rows{{kStatus, kRevenue, kRefunds}, {}};
  for (int i = 0; i < 700; ++i)  // 1400 series: past kLinesAbove.
    rows.rows.push_back({Cell("s" + std::to_string(i)), Cell(std::to_string(i)), Cell("1")});
  RowMapper lines(q, /*may_write_lines=*/true);
  StreamRowSet(rows, kNoRowLimit, lines);
  MappedQuery compact = lines.Finish();
  MappedQuery structured = MapRows(q, rows);
  ASSERT_EQ(compact.families.size(), 1u);
  EXPECT_FALSE(compact.families[0].sample_lines.empty());
  EXPECT_EQ(compact.series, 1400u);
  EXPECT_EQ(RenderText(compact.families), RenderText(structured.families));
}

TEST(RowMapperValuesTest, ADuplicateLabelSetAcrossRowsIsStillFound) {
  auto out = MapRows(Money({{"revenue", "gross"}, {"refunds", "refunds"}}),
                     {{kStatus, kRevenue, kRefunds},
                      {{Cell("paid"), Cell("1"), Cell("1")}, {Cell("paid"), Cell("2"), Cell("2")}}});
  EXPECT_TRUE(out.families.empty());
  ASSERT_FALSE(out.errors.empty());
  EXPECT_EQ(out.errors[0].reason, QueryError::kDuplicateSeries);
}

TEST(RowMapperValuesTest, AUnitIsAnOpenMetricsUnitLineOnly) {
  MetricSpec m;
  m.name = "shop_oldest_order_age_seconds";
  m.help = "Age.";
  m.value_column = "v";
  m.unit = "seconds";
  QuerySpec q;
  q.name = "age";
  q.sql = "SELECT ...";
  q.metrics = {m};
  auto out = MapRows(q, {{{"v", ColumnKind::kFloat}}, {{Cell("12")}}});
  ASSERT_EQ(out.families.size(), 1u);
  EXPECT_EQ(RenderOpenMetrics(out.families),
            "# HELP shop_oldest_order_age_seconds Age.\n"
            "# TYPE shop_oldest_order_age_seconds gauge\n"
            "# UNIT shop_oldest_order_age_seconds seconds\n"
            "shop_oldest_order_age_seconds 12\n# EOF\n");
  EXPECT_EQ(RenderText(out.families).find("UNIT"), std::string::npos)
      << "the 0.0.4 text format has no UNIT line";
}

}  // namespace
}  // namespace rse
