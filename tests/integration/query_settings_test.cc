// [query.settings] against the real replicas, both engines: the setting is in
// force while its query runs (PostgreSQL SET LOCAL in the read-only
// transaction; MariaDB SET STATEMENT ... FOR) and gone for the next query on
// the same sessions.
#include <gtest/gtest.h>

#include "exposition/text_format.h"
#include "scrape_fixture.h"

namespace rse::testing {
namespace {

class QuerySettingsTest : public ScrapeTest {};

TEST_P(QuerySettingsTest, ASettingHoldsForItsQueryOnlyAndNeverLeaksIntoTheNext) {
  // Each query reads the setting back as a label.
  const std::string read = pg() ? "current_setting('work_mem')" : "CAST(@@join_buffer_size AS CHAR)";
  const std::string setting = pg() ? "work_mem = \"64MB\"" : "join_buffer_size = 524288";
  const std::string expected = pg() ? "64MB" : "524288";
  auto query = [&](const std::string& name, const std::string& settings) {
    return "[[query]]\nname = \"" + name + "\"\nsql = \"SELECT 1 AS v, " + read + " AS s\"\n" +
           settings + "[[query.metrics]]\nname = \"it_" + name +
           "\"\nhelp = \"h\"\nlabels = [\"s\"]\nvalue = \"v\"\n";
  };
  auto exporter = MakeExporter(query("tuned", "[query.settings]\n" + setting + "\n") +
                               query("plain", ""));
  ASSERT_TRUE(exporter);
  // Sessions are reused across scrapes, so every session that ran "tuned"
  // later runs "plain" too.
  std::string plain_value;
  for (int i = 0; i < 6; ++i) {
    const std::string text = RenderText(exporter->Scrape({}));
    EXPECT_NE(text.find("it_tuned{s=\"" + expected + "\"} 1\n"), std::string::npos) << text;
    const size_t at = text.find("it_plain{s=\"");
    ASSERT_NE(at, std::string::npos) << text;
    const std::string value = text.substr(at + 12, text.find('"', at + 12) - at - 12);
    EXPECT_NE(value, expected) << "the setting leaked into the next query: " << text;
    if (plain_value.empty()) plain_value = value;
    EXPECT_EQ(value, plain_value) << "the server default, every time";
  }
  std::cout << "[ figures ] " << env().name << ": " << (pg() ? "work_mem" : "join_buffer_size")
            << " " << expected << " in its query, " << plain_value << " in the next\n";
}

INSTANTIATE_TEST_SUITE_P(Engines, QuerySettingsTest, ::testing::ValuesIn(testing::AllEnvs()),
                         [](const auto& info) { return info.param->name; });

}  // namespace
}  // namespace rse::testing
