// Results that try to break the mapping, from real servers, table-driven and
// on both engines: every case either fails its own query with the expected
// reason or renders the value correctly; the other queries are served; the
// whole exposition passes promtool.
#include "base/number_format.h"
#include "scrape_fixture.h"

namespace rse::testing {
namespace {

struct BreakCase {
  const char* name;
  const char* postgres_sql;
  const char* mysql_sql;
  const char* labels;  // TOML array of label columns ("" for none).
  // What must come out: a failed query with this reason, or these lines.
  const char* postgres_reason;  // "" when the query must succeed.
  const char* mysql_reason;
  std::string postgres_line;  // A line of the exposition ("" when failed or absent).
  std::string mysql_line;
};

std::vector<BreakCase> Cases() {
  const std::string big_int = FormatValue(9007199254740993.0);  // 2^53 + 1: the nearest double.
  return {
      {"text_value", "SELECT 'abc' AS v", "SELECT 'abc' AS v", "", "invalid_value", "invalid_value",
       "", ""},
      {"nan", "SELECT 'NaN'::float8 AS v", "SELECT 'NaN' AS v", "", "", "", "mb_nan_v NaN\n",
       "mb_nan_v NaN\n"},
      {"infinity", "SELECT '-Infinity'::float8 AS v", "SELECT '-Infinity' AS v", "", "", "",
       "mb_infinity_v -Inf\n", "mb_infinity_v -Inf\n"},
      {"past_float_range", "SELECT 1e400::numeric AS v", "SELECT '1e400' AS v", "",
       "invalid_value", "invalid_value", "", ""},
      {"past_2_53", "SELECT 9007199254740993::bigint AS v", "SELECT 9007199254740993 AS v", "", "",
       "", "mb_past_2_53_v " + big_int + "\n", "mb_past_2_53_v " + big_int + "\n"},
      // NULL label is "", NULL value skips the sample (counted as null_value).
      {"nulls", "SELECT NULL::text AS l, NULL::int AS v", "SELECT NULL AS l, NULL AS v", "\"l\"",
       "", "", "", ""},
      // PostgreSQL cannot hold invalid UTF-8 in text; bytea comes out as \x hex.
      {"binary_label", "SELECT '\\xff'::bytea AS l, 1 AS v", "SELECT UNHEX('FF') AS l, 1 AS v",
       "\"l\"", "", "invalid_value", "mb_binary_label_v{l=\"\\\\xff\"} 1\n", ""},
      {"huge_label", "SELECT repeat('x', 1048576) AS l, 1 AS v",
       "SELECT REPEAT('x', 1048576) AS l, 1 AS v", "\"l\"", "", "",
       "mb_huge_label_v{l=\"" + std::string(1048576, 'x') + "\"} 1\n",
       "mb_huge_label_v{l=\"" + std::string(1048576, 'x') + "\"} 1\n"},
      {"no_value_column", "SELECT", "SELECT 1 AS other", "", "invalid_value", "invalid_value", "",
       ""},
      {"duplicate_columns", "SELECT 1 AS v, 2 AS v", "SELECT 1 AS v, 2 AS v", "", "invalid_value",
       "invalid_value", "", ""},
      {"million_rows", "SELECT g AS v, g::text AS l FROM generate_series(1, 1000000) g",
       "SELECT seq AS v, CONCAT(seq, '') AS l FROM seq_1_to_1000000", "\"l\"", "too_many_series",
       "too_many_series", "", ""},
  };
}

std::string Catalog(bool pg) {
  std::string text = kCountQuery;
  for (const BreakCase& c : Cases()) {
    std::string sql = pg ? c.postgres_sql : c.mysql_sql;
    text += std::string("[[query]]\nname = \"") + c.name + "\"\nsql = '''" + sql +
            "'''\n[[query.metrics]]\nname = \"mb_" + c.name + "_v\"\nhelp = \"h\"\nvalue = \"v\"\n" +
            (std::string(c.labels).empty() ? "" : std::string("labels = [") + c.labels + "]\n");
  }
  return text;
}

TEST_P(ScrapeTest, ResultsThatTryToBreakTheMappingFailAloneOrRenderCorrectly) {
  auto exporter = MakeExporter(Catalog(pg()));
  ASSERT_TRUE(exporter);
  const std::string text = RenderText(exporter->Scrape({}));
  EXPECT_NE(text.find("count_value 2000\n"), std::string::npos) << "the sentinel query is served";
  EXPECT_NE(text.find("replica_sql_up 1\n"), std::string::npos);
  for (const BreakCase& c : Cases()) {
    const std::string reason = pg() ? c.postgres_reason : c.mysql_reason;
    const std::string line = pg() ? c.postgres_line : c.mysql_line;
    const std::string success = std::string("replica_sql_query_success{query=\"") + c.name + "\"} ";
    if (!reason.empty()) {
      EXPECT_NE(text.find(success + "0\n"), std::string::npos) << c.name;
      EXPECT_NE(text.find(std::string("replica_sql_query_errors_total{query=\"") + c.name +
                          "\",reason=\"" + reason + "\"} 1\n"),
                std::string::npos)
          << c.name << " should fail with " << reason;
      EXPECT_EQ(text.find(std::string("\nmb_") + c.name + "_v"), std::string::npos) << c.name;
    } else {
      EXPECT_NE(text.find(success + "1\n"), std::string::npos) << c.name;
      if (!line.empty()) {
        EXPECT_NE(text.find("\n" + line), std::string::npos)
            << c.name << " should render " << line.substr(0, 80);
      }
    }
  }
  // NULL value: the sample is skipped and counted, the query succeeds.
  EXPECT_NE(text.find("replica_sql_query_errors_total{query=\"nulls\",reason=\"null_value\"} 1\n"),
            std::string::npos);
  auto lint = RunPromtoolCheckMetrics(text);
  EXPECT_EQ(lint.exit_code, 0) << lint.output.substr(0, 2000);
}

}  // namespace
}  // namespace rse::testing
