#include "config/web_config.h"

#include <gtest/gtest.h>

#include "testing/bad_file_cases.h"

namespace rse {
namespace {

using testing::LoadBadFileCases;
using testing::TestdataDir;

constexpr const char* kHash = "$2y$10$EhYP68tEkfpMrr1rL2.TW.5x9E8kVisgSSWTox854Ugu.sv4cjvnO";

TEST(WebConfigTest, EachBadFileFailsWithItsMessage) {
  auto cases = LoadBadFileCases(TestdataDir() + "/web/bad", ".yml");
  ASSERT_GE(cases.size(), 25u);  // A lost case file must not pass unnoticed.
  for (const auto& c : cases) {
    SCOPED_TRACE(c.path);
    auto web = LoadWebConfig(c.path);
    ASSERT_FALSE(web.ok());
    EXPECT_NE(web.status().message().find(c.expected), std::string::npos)
        << "expected: " << c.expected << "\n     got: " << web.status().message();
    EXPECT_EQ(web.status().message().find(kHash), std::string::npos) << "a hash was echoed";
  }
}

TEST(WebConfigTest, ReadsTheExporterToolkitFormatWithPathsRelativeToTheFile) {
  const std::string dir = TestdataDir() + "/web";
  auto web = ParseWebConfig(std::string("tls_server_config:\n"
                                        "  cert_file: bad/syntax_error.yml\n"
                                        "  key_file: bad/top_is_list.yml\n"
                                        "  client_ca_file: bad/md5_hash.yml\n"
                                        "  client_auth_type: RequireAndVerifyClientCert\n"
                                        "  min_version: TLS13\n"
                                        "basic_auth_users:\n"
                                        "  alice: ") +
                                kHash + "\n  bob: '" + kHash +
                                "'\n"
                                "http_server_config:\n"
                                "  http2: true\n"
                                "  headers:\n"
                                "    X-Frame-Options: deny\n",
                            "web.yml", dir);
  ASSERT_TRUE(web.ok()) << web.status().message();
  ASSERT_TRUE(web->tls.has_value());
  EXPECT_EQ(web->tls->cert_file, dir + "/bad/syntax_error.yml");
  EXPECT_EQ(web->tls->client_ca_file, dir + "/bad/md5_hash.yml");
  EXPECT_EQ(web->tls->client_auth, ClientAuth::kRequireAndVerifyClientCert);
  EXPECT_EQ(web->tls->min_version, "TLS13");
  EXPECT_EQ(web->tls->max_version, "TLS13");
  EXPECT_EQ(web->basic_auth_users.size(), 2u);
  EXPECT_EQ(web->basic_auth_users.at("bob"), kHash);
  ASSERT_EQ(web->headers.size(), 1u);
  EXPECT_EQ(web->headers[0].first, "X-Frame-Options");
  ASSERT_EQ(web->warnings.size(), 1u);  // http2 is accepted, without effect.
  EXPECT_NE(web->warnings[0].find("http2"), std::string::npos);
}

TEST(WebConfigTest, AnEmptyFileMeansPlainHttpWithoutAuth) {
  auto web = ParseWebConfig("# nothing\n", "web.yml", "/");
  ASSERT_TRUE(web.ok()) << web.status().message();
  EXPECT_FALSE(web->tls.has_value());
  EXPECT_TRUE(web->basic_auth_users.empty());
}

TEST(WebConfigTest, ReportsEveryProblemAtOnce) {
  auto web = ParseWebConfig(
      "basic_auth_users:\n  a: x\n  b: y\nsomething: 1\n", "web.yml", "/");
  ASSERT_FALSE(web.ok());
  EXPECT_NE(web.status().message().find("web.yml:2: basic_auth_users.a"), std::string::npos);
  EXPECT_NE(web.status().message().find("web.yml:3: basic_auth_users.b"), std::string::npos);
  EXPECT_NE(web.status().message().find("web.yml:4: something: unknown key"), std::string::npos);
}

TEST(WebConfigTest, MissingFileAndDirectoryAreNamed) {
  auto missing = LoadWebConfig("/nonexistent/web.yml");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("/nonexistent/web.yml"), std::string::npos);
  auto directory = LoadWebConfig(TestdataDir());
  ASSERT_FALSE(directory.ok());
  EXPECT_NE(directory.status().message().find("is a directory"), std::string::npos);
}

}  // namespace
}  // namespace rse
