// The row mapper on streamed rows (stopping at max_series) and on results
// kept as rendered lines (exclusive queries).
#include "collect/row_mapper.h"

#include <gtest/gtest.h>

#include "collect/row_mapper_helpers.h"
#include "exposition/text_format.h"

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
