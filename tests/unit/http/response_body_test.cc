#include "http/response_body.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "exposition/text_format.h"
#include "testing/http_test_util.h"

namespace rse {
namespace {

MetricFamily Gauge(const std::string& name, double value) {
  return {name, "Help of " + name + ".", MetricType::kGauge, {{{{"l", "v"}}, value}}};
}

FamilyBlock Block(std::vector<MetricFamily> families) {
  return {std::make_shared<const std::vector<MetricFamily>>(std::move(families)),
          std::make_shared<RenderMemo>()};
}

// An exposition's families as a sorted list of their text (HELP to last sample).
std::vector<std::string> Families(std::string text) {
  if (text.ends_with("# EOF\n")) text.resize(text.size() - 6);  // Checked apart.
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t next = text.find("# HELP ", start + 1);
    if (next == std::string::npos) next = text.size();
    out.push_back(text.substr(start, next - start));
    start = next;
  }
  std::sort(out.begin(), out.end());
  return out;
}

Exposition Sample() {
  Exposition exposition;
  exposition.blocks.push_back(Block({Gauge("a", 1), Gauge("b", 2)}));
  exposition.blocks.push_back(Block({}));  // A query whose result had no rows.
  std::vector<MetricFamily> many;
  for (int i = 0; i < 2000; ++i) many.push_back(Gauge("c" + std::to_string(i), i));
  exposition.blocks.push_back(Block(std::move(many)));
  exposition.families = {Gauge("replica_sql_up", 1)};
  return exposition;
}

TEST(ResponseBodyTest, PlainRunsAreTheWholeRendering) {
  for (ExpositionFormat format : {ExpositionFormat::kText, ExpositionFormat::kOpenMetrics}) {
    Exposition exposition = Sample();
    const std::string expected = format == ExpositionFormat::kText
                                     ? RenderText(exposition)
                                     : RenderOpenMetrics(exposition);
    auto body = ResponseBody::Render(exposition, format, false);
    ASSERT_TRUE(body.ok());
    EXPECT_EQ(body->Join(), expected);
    EXPECT_EQ(body->size(), expected.size());
  }
}

TEST(ResponseBodyTest, GzipRunsJoinIntoOneMemberThatDecompressesToTheRendering) {
  for (ExpositionFormat format : {ExpositionFormat::kText, ExpositionFormat::kOpenMetrics}) {
    Exposition exposition = Sample();
    const std::string expected = format == ExpositionFormat::kText
                                     ? RenderText(exposition)
                                     : RenderOpenMetrics(exposition);
    // Twice: the second time the blocks come from their memos.
    for (int i = 0; i < 2; ++i) {
      auto body = ResponseBody::Render(exposition, format, true);
      ASSERT_TRUE(body.ok());
      const std::string compressed = body->Join();
      ASSERT_GE(compressed.size(), 18u);
      EXPECT_EQ(compressed.substr(0, 3), std::string("\x1f\x8b\x08", 3));
      EXPECT_EQ(testing::Gunzip(compressed), expected) << i;
      EXPECT_LT(compressed.size(), expected.size() / 4);  // Compressed, not stored.
    }
  }
}

TEST(ResponseBodyTest, OnlyTheScrapesOwnFamiliesAreRenderedAgain) {
  Exposition exposition = Sample();
  auto first = ResponseBody::Render(exposition, ExpositionFormat::kText, false);
  auto second = ResponseBody::Render(exposition, ExpositionFormat::kText, false);
  ASSERT_TRUE(first.ok() && second.ok());
  ASSERT_EQ(first->runs().size(), second->runs().size());
  // Block runs point at the same memoised bytes; the last run is per response.
  for (size_t i = 0; i + 1 < first->runs().size(); ++i)
    EXPECT_EQ(first->runs()[i].data(), second->runs()[i].data()) << i;
  EXPECT_NE(first->runs().back().data(), second->runs().back().data());
}

TEST(ResponseBodyTest, WritesAnyRangeAcrossRuns) {
  auto body = ResponseBody::Render(Sample(), ExpositionFormat::kText, false);
  ASSERT_TRUE(body.ok());
  const std::string whole = body->Join();
  for (size_t chunk : {size_t{1}, size_t{7}, size_t{4096}, whole.size()}) {
    std::string out;
    for (size_t offset = 0; offset < whole.size(); offset += chunk) {
      ASSERT_TRUE(body->Write(offset, std::min(chunk, whole.size() - offset),
                              [&](const char* data, size_t n) {
                                out.append(data, n);
                                return true;
                              }));
    }
    EXPECT_EQ(out, whole) << chunk;
  }
  EXPECT_FALSE(body->Write(0, whole.size(), [](const char*, size_t) { return false; }));
}

TEST(ResponseBodyTest, SelfMetricsThatDoNotChangeAreCompressedOnceAndStillCorrect) {
  StableRunCache stable;
  for (ExpositionFormat format : {ExpositionFormat::kText, ExpositionFormat::kOpenMetrics}) {
    for (int scrape = 0; scrape < 4; ++scrape) {
      Exposition exposition = Sample();
      // One family changes on every scrape, one never; one appears only sometimes.
      exposition.families.push_back(Gauge("scrape_duration", scrape * 0.25));
      exposition.families.push_back(Gauge("stable_" + std::string(300, 'x'), 7));
      if (scrape % 2 == 1) exposition.families.push_back(Gauge("sometimes", 1));
      const std::string expected = format == ExpositionFormat::kText
                                       ? RenderText(exposition)
                                       : RenderOpenMetrics(exposition);
      auto body = ResponseBody::Render(exposition, format, true, &stable);
      ASSERT_TRUE(body.ok());
      ASSERT_TRUE(body->gzipped());
      // The same families, each whole; the ones that changed come last.
      EXPECT_EQ(Families(testing::Gunzip(body->Join())), Families(expected)) << scrape;
      EXPECT_TRUE(testing::Gunzip(body->Join()).ends_with(
          format == ExpositionFormat::kText ? "" : "# EOF\n"));
    }
  }
}

TEST(ResponseBodyTest, AnEmptyExpositionIsAValidEmptyGzipMember) {
  auto body = ResponseBody::Render(Exposition{}, ExpositionFormat::kText, true);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(testing::Gunzip(body->Join()), "");
}

}  // namespace
}  // namespace rse
