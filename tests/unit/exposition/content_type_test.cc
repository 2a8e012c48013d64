#include "exposition/content_type.h"

#include <gtest/gtest.h>

namespace rse {
namespace {

struct AcceptCase {
  const char* name;
  const char* accept;
  ExpositionFormat want;
};

TEST(NegotiateFormatTest, Table) {
  constexpr auto kText = ExpositionFormat::kText;
  constexpr auto kOm = ExpositionFormat::kOpenMetrics;
  const AcceptCase cases[] = {
      {"no_header", "", kText},
      {"prometheus_default",
       "application/openmetrics-text;version=1.0.0,application/"
       "openmetrics-text;version=0.0.1;q=0.75,"
       "text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
       kOm},
      {"prometheus_text_first",
       "text/plain;version=0.0.4;q=1,application/openmetrics-text;version=1.0.0;q=0.5", kText},
      {"openmetrics_no_version", "application/openmetrics-text", kOm},
      {"openmetrics_unknown_version_only", "application/openmetrics-text; version=2.0.0", kText},
      {"openmetrics_refused", "application/openmetrics-text;q=0, text/plain", kText},
      {"browser", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", kText},
      {"case_and_spaces",
       "  Application/OpenMetrics-Text ; Version=1.0.0 ; q=0.9 , text/plain ; q=0.2", kOm},
      {"quoted_version", "application/openmetrics-text; version=\"1.0.0\"", kOm},
      {"garbage_q", "application/openmetrics-text;q=abc, text/plain;q=0.1", kText},
      {"curl", "*/*", kText},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(NegotiateFormat(c.accept), c.want);
  }
}

TEST(NegotiateFormatTest, ContentTypes) {
  EXPECT_STREQ(ContentTypeFor(ExpositionFormat::kText), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_STREQ(ContentTypeFor(ExpositionFormat::kOpenMetrics),
               "application/openmetrics-text; version=1.0.0; charset=utf-8");
}

TEST(AcceptsGzipTest, Table) {
  EXPECT_TRUE(AcceptsGzip("gzip"));
  EXPECT_TRUE(AcceptsGzip("br, gzip;q=0.5"));
  EXPECT_TRUE(AcceptsGzip("*"));
  EXPECT_TRUE(AcceptsGzip("GZIP"));
  EXPECT_FALSE(AcceptsGzip(""));
  EXPECT_FALSE(AcceptsGzip("identity"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0, *"));
  EXPECT_FALSE(AcceptsGzip("deflate, br"));
}

}  // namespace
}  // namespace rse
