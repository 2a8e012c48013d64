#include "exposition/text_format.h"

#include <gtest/gtest.h>

#include <clocale>
#include <cmath>
#include <fstream>
#include <limits>
#include <locale>
#include <sstream>

#include "exposition/sample_writer.h"
#include "testing/bad_file_cases.h"

namespace rse {
namespace {

MetricFamily Gauge(std::string name, std::string help, std::vector<Sample> samples) {
  return {std::move(name), std::move(help), MetricType::kGauge, std::move(samples)};
}

TEST(TextFormatTest, EscapesBackslashInLabelValue) {
  EXPECT_EQ(RenderText({Gauge("m", "h", {{{{"path", "C:\\dir"}}, 1}})}),
            "# HELP m h\n# TYPE m gauge\nm{path=\"C:\\\\dir\"} 1\n");
}

TEST(TextFormatTest, EscapesDoubleQuoteInLabelValue) {
  EXPECT_EQ(RenderText({Gauge("m", "h", {{{{"q", "say \"hi\""}}, 1}})}),
            "# HELP m h\n# TYPE m gauge\nm{q=\"say \\\"hi\\\"\"} 1\n");
}

TEST(TextFormatTest, EscapesNewlineInLabelValue) {
  EXPECT_EQ(RenderText({Gauge("m", "h", {{{{"l", "a\nb"}}, 1}})}),
            "# HELP m h\n# TYPE m gauge\nm{l=\"a\\nb\"} 1\n");
}

TEST(TextFormatTest, EscapesBackslashAndNewlineInHelpButNotQuote) {
  EXPECT_EQ(RenderText({Gauge("m", "a \\ b\nc \"d\"", {{{}, 1}})}),
            "# HELP m a \\\\ b\\nc \"d\"\n# TYPE m gauge\nm 1\n");
}

TEST(TextFormatTest, KeepsNonAsciiLabelValuesAsUtf8) {
  EXPECT_EQ(RenderText({Gauge("m", "h", {{{{"city", "Zürich 東京"}}, 1}})}),
            "# HELP m h\n# TYPE m gauge\nm{city=\"Zürich 東京\"} 1\n");
}

TEST(TextFormatTest, SpellsSpecialValues) {
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatValue(0), "0");
  EXPECT_EQ(FormatValue(-0.5), "-0.5");
  EXPECT_EQ(FormatValue(1e21), "1e+21");
  EXPECT_EQ(FormatValue(9007199254740993.0), "9007199254740992");
  EXPECT_EQ(FormatValue(0.1), "0.1");  // Shortest round-trip, not 0.10000000000000001.
}

// A C++ locale that writes "1.234.567,25", as German does.
struct CommaDecimal : std::numpunct<char> {
  char do_decimal_point() const override { return ','; }
  char do_thousands_sep() const override { return '.'; }
  std::string do_grouping() const override { return "\3"; }
};

TEST(TextFormatTest, IgnoresGlobalLocale) {
  std::locale previous = std::locale::global(std::locale(std::locale::classic(), new CommaDecimal));
  std::setlocale(LC_ALL, "de_DE.UTF-8");  // Also the C locale, where installed.
  std::string out = RenderText({Gauge("m", "h", {{{}, 1.5}, {{{"l", "x"}}, 1234567.25}})});
  std::setlocale(LC_ALL, "C");
  std::locale::global(previous);
  EXPECT_NE(out.find("m 1.5\n"), std::string::npos) << out;
  EXPECT_NE(out.find("m{l=\"x\"} 1234567.25\n"), std::string::npos) << out;
}

TEST(TextFormatTest, WritesNoTimestamps) {
  std::string out = RenderText({Gauge("m", "h", {{{{"a", "1"}}, 2}})});
  EXPECT_EQ(out.substr(out.rfind('}') + 1), " 2\n");
}

TEST(TextFormatTest, MergesFamiliesOfTheSameNameInFirstPosition) {
  std::string out = RenderText({Gauge("a", "A", {{{{"q", "1"}}, 1}}), Gauge("b", "B", {{{}, 2}}),
                                Gauge("a", "A", {{{{"q", "2"}}, 3}})});
  EXPECT_EQ(
      out,
      "# HELP a A\n# TYPE a gauge\na{q=\"1\"} 1\na{q=\"2\"} 3\n# HELP b B\n# TYPE b gauge\nb 2\n");
}

TEST(TextFormatTest, SkipsFamiliesWithoutSamples) {
  EXPECT_EQ(RenderText({Gauge("empty", "h", {})}), "");
}

TEST(OpenMetricsTest, NamesCounterFamilyWithoutTotalAndEndsWithEof) {
  MetricFamily counter{"orders_total", "Orders.", MetricType::kCounter, {{{}, 7}}};
  EXPECT_EQ(RenderOpenMetrics({counter}),
            "# HELP orders Orders.\n# TYPE orders counter\norders_total 7\n# EOF\n");
}

TEST(OpenMetricsTest, EscapesQuoteInHelp) {
  EXPECT_EQ(RenderOpenMetrics({Gauge("m", "say \"x\"\\", {{{}, 1}})}),
            "# HELP m say \\\"x\\\"\\\\\n# TYPE m gauge\nm 1\n# EOF\n");
}

TEST(OpenMetricsTest, EmptyExpositionIsJustEof) { EXPECT_EQ(RenderOpenMetrics(std::vector<MetricFamily>{}), "# EOF\n"); }

// A fixed set of families covering every rule, compared with checked-in
// files. Regenerate with RSE_UPDATE_GOLDEN=1 after an intended change.
std::vector<MetricFamily> GoldenFamilies() {
  return {
      Gauge("replica_sql_up", "Whether a healthy replica served this scrape (1) or not (0).",
            {{{}, 1}}),
      Gauge("shop_orders", "Orders by status.",
            {{{{"source", "oltp"}, {"status", "paid"}}, 1204},
             {{{"source", "oltp"}, {"status", "pending \"new\""}}, 17},
             {{{"source", "oltp"}, {"status", "back\\slash\nnewline"}}, 0}}),
      {"shop_orders_created_total",
       "Orders ever created.\nNever deleted \\ never reset.",
       MetricType::kCounter,
       {{{}, 123456789012.0}}},
      Gauge("shop_ratios", "Special values.",
            {{{{"kind", "nan"}}, std::numeric_limits<double>::quiet_NaN()},
             {{{"kind", "inf"}}, std::numeric_limits<double>::infinity()},
             {{{"kind", "neg_inf"}}, -std::numeric_limits<double>::infinity()},
             {{{"kind", "tiny"}}, 1.5e-300},
             {{{"kind", "unicode_Zürich"}}, -0.25}}),
      {"shop_order_amount",
       "Order totals, a histogram.",
       MetricType::kHistogram,
       {{{{"status", "paid"}, {"le", "10"}}, 2, "_bucket"},
        {{{"status", "paid"}, {"le", "+Inf"}}, 7, "_bucket"},
        {{{"status", "paid"}}, 123.5, "_sum"},
        {{{"status", "paid"}}, 7, "_count"}}},
  };
}

void CheckGolden(const std::string& file, const std::string& actual) {
  const std::string path = testing::TestdataDir() + "/golden/" + file;
  if (std::getenv("RSE_UPDATE_GOLDEN")) std::ofstream(path) << actual;
  std::ifstream in(path);
  ASSERT_TRUE(in) << path << " is missing; run with RSE_UPDATE_GOLDEN=1 once";
  std::stringstream expected;
  expected << in.rdbuf();
  EXPECT_EQ(actual, expected.str()) << "golden file " << path;
}

TEST(GoldenTest, TextFormat) { CheckGolden("families.txt", RenderText(GoldenFamilies())); }
TEST(GoldenTest, OpenMetrics) {
  CheckGolden("families.openmetrics.txt", RenderOpenMetrics(GoldenFamilies()));
}

}  // namespace
}  // namespace rse
