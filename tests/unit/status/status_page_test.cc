#include "status/status_page.h"

#include <gtest/gtest.h>

#include "status/status_report_fixture.h"

namespace rse {
namespace {

size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

TEST(StatusPageTest, EverythingFromADatabaseOrAConfigIsEscaped) {
  const std::string page = RenderStatusPage(testing::HostileReport());
  EXPECT_EQ(page.find("<script"), std::string::npos) << page;
  EXPECT_EQ(page.find("alert(\"x\")"), std::string::npos) << "a raw quote could close an attribute";
  EXPECT_EQ(page.find("'&"), std::string::npos);
  const std::string escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&amp;";
  // Cluster (title and header), failed reload, member address, reason, last
  // error, query name, static label value, query error.
  EXPECT_GE(Count(page, escaped), 9u) << page;
  EXPECT_NE(page.find("team=\"" + escaped + "\""), std::string::npos) << page;
}

TEST(StatusPageTest, AFanOutQueryShowsHowManyDatabasesSucceededAndWhichFailedEscaped) {
  StatusReport report = testing::HostileReport();
  report.queries.push_back(testing::FanOutQueryStatus(report));
  const std::string page = RenderStatusPage(report);
  EXPECT_NE(page.find("per database (tenant)"), std::string::npos) << page;
  EXPECT_NE(page.find("1 of 2 databases succeeded"), std::string::npos) << page;
  EXPECT_NE(page.find("t&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&amp;: connection"),
            std::string::npos)
      << page;
  EXPECT_EQ(page.find("<script"), std::string::npos);
}

TEST(StatusPageTest, ShowsTheMembersTheQueriesAndTheConfiguration) {
  const std::string page = RenderStatusPage(testing::HostileReport());
  for (const char* expected : {
           "1 of 2 in the rotation.",
           "data-state=\"healthy\"",
           "data-state=\"backoff\"",  // Down, and not tried again for 4 s.
           "next try in 4.0 s",
           "in; lagging 1 of 2",
           "out; healthy 0 of 2",
           "2 · 1 · 0 (2)",  // Sessions open · in use · waiting (cap).
           "0.250 s",        // Lag.
           "1 min 30 s ago", // Healthy since.
           "3 queries, 1 failing.",
           "<span class=\"muted\">snapshot totals</span>",
           "data-success=\"succeeded\"",
           "data-success=\"failed\"",
           "data-success=\"never ran\"",
           "serving a result 12.5 s old",
           "sql: 3<br>timeout: 1",
           "Configuration generation <b>3</b>",
           "failed; the running configuration stays",
           "up 1 h 2 min",
       }) {
    EXPECT_NE(page.find(expected), std::string::npos) << expected << "\n" << page;
  }
}

TEST(StatusPageTest, HumanSecondsReadsAtEveryScale) {
  EXPECT_EQ(HumanSeconds(0.0123), "12 ms");
  EXPECT_EQ(HumanSeconds(12.34), "12.3 s");
  EXPECT_EQ(HumanSeconds(250), "4 min 10 s");
  EXPECT_EQ(HumanSeconds(7200), "2 h");
  EXPECT_EQ(HumanSeconds(3 * 86400 + 4 * 3600 + 5), "3 d 4 h");
  EXPECT_EQ(HumanSeconds(-1), "0 ms") << "clocks a little apart never show a negative age";
}

}  // namespace
}  // namespace rse
