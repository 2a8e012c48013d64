// Reading requests from a byte stream as the transport reads a connection.
#include "http/request_reader.h"

#include <gtest/gtest.h>

namespace rse {
namespace {

TEST(RequestReaderTest, PipelinedRequestsAreReadInOrderAndAPartialOneWaits) {
  const std::string bytes =
      "GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /metrics?x=1 HTTP/1.1\r\nHost: x\r\nX-Prometheus-Scrape-Timeout-Seconds: 3\r\n\r\n"
      "POST /-/reload HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok"
      "GET /-/rea";
  ReadRequestsResult read = ReadRequests(bytes, {});
  ASSERT_EQ(read.requests.size(), 3u);
  EXPECT_EQ(read.requests[0].path, "/-/healthy");
  EXPECT_EQ(read.requests[1].path, "/metrics");
  EXPECT_EQ(read.requests[1].query, "x=1");
  EXPECT_EQ(read.requests[1].Header("x-prometheus-scrape-timeout-seconds").value_or(""), "3");
  EXPECT_EQ(read.requests[2].method, "POST");
  EXPECT_FALSE(read.refused);
  EXPECT_EQ(read.unread, 10u);
}

TEST(RequestReaderTest, DoubleFramingIsRefusedAndNothingAfterItIsRead) {
  const std::string hidden = "POST /-/quit HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n";
  ReadRequestsResult read = ReadRequests(
      "POST /-/healthy HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(5 + hidden.size()) +
          "\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + hidden,
      {});
  EXPECT_TRUE(read.requests.empty());
  ASSERT_TRUE(read.refused);
  EXPECT_EQ(read.refused->status, 400);
  EXPECT_TRUE(read.refused->close);
}

TEST(RequestReaderTest, LimitsGive431And413AndAClosingRequestEndsTheStream) {
  RequestLimits limits{1024, 16};
  ReadRequestsResult big_header =
      ReadRequests("GET / HTTP/1.1\r\nX: " + std::string(2000, 'a') + "\r\n\r\n", limits);
  ASSERT_TRUE(big_header.refused);
  EXPECT_EQ(big_header.refused->status, 431);
  ReadRequestsResult big_body =
      ReadRequests("POST /-/reload HTTP/1.1\r\nContent-Length: 100\r\n\r\n" + std::string(100, 'b'), limits);
  ASSERT_TRUE(big_body.refused);
  EXPECT_EQ(big_body.refused->status, 413);
  ReadRequestsResult closing = ReadRequests(
      "GET / HTTP/1.1\r\nConnection: close\r\n\r\nGET /-/healthy HTTP/1.1\r\n\r\n", limits);
  EXPECT_EQ(closing.requests.size(), 1u) << "nothing is read after Connection: close";
  ReadRequestsResult http10 = ReadRequests("GET /-/healthy HTTP/1.0\r\n\r\n", limits);
  ASSERT_EQ(http10.requests.size(), 1u);
  EXPECT_EQ(http10.requests[0].version, 10);
  EXPECT_FALSE(http10.keep_alive[0]);
}

}  // namespace
}  // namespace rse
