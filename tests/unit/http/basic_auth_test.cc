#include "http/basic_auth.h"

#include <gtest/gtest.h>

#include "fakes/fake_clock.h"

namespace rse {
namespace {

using testing::FakeClock;

// "s3cret", bcrypt cost 10.
constexpr const char* kHash = "$2y$10$EhYP68tEkfpMrr1rL2.TW.5x9E8kVisgSSWTox854Ugu.sv4cjvnO";
constexpr const char* kHash2b = "$2b$10$EhYP68tEkfpMrr1rL2.TW.5x9E8kVisgSSWTox854Ugu.sv4cjvnO";

std::string Basic(const std::string& user_colon_password) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  const std::string& in = user_colon_password;
  for (; i + 2 < in.size(); i += 3) {
    unsigned n = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(n >> s) & 63];
  }
  if (i + 1 == in.size()) {
    unsigned n = (unsigned char)in[i] << 16;
    out += std::string{kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    unsigned n = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8;
    out += std::string{kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63],
                       kAlphabet[(n >> 6) & 63], '='};
  }
  return "Basic " + out;
}

TEST(BasicAuthTest, NoUsersAllowsEveryone) {
  FakeClock clock;
  BasicAuthenticator auth({}, &clock);
  EXPECT_FALSE(auth.enabled());
  EXPECT_TRUE(auth.Allows(""));
}

TEST(BasicAuthTest, RightPasswordPassesWrongOnesDoNot) {
  FakeClock clock;
  BasicAuthenticator auth({{"alice", kHash}, {"bob", kHash2b}}, &clock);
  EXPECT_TRUE(auth.enabled());
  EXPECT_TRUE(auth.Allows(Basic("alice:s3cret")));
  EXPECT_TRUE(auth.Allows(Basic("bob:s3cret"))) << "$2b$ hashes work too";
  EXPECT_FALSE(auth.Allows(Basic("alice:s3cret ")));
  EXPECT_FALSE(auth.Allows(Basic("alice:S3cret")));
  EXPECT_FALSE(auth.Allows(Basic("carol:s3cret"))) << "unknown user";
  EXPECT_FALSE(auth.Allows(Basic("alice")));
  EXPECT_FALSE(auth.Allows(""));
  EXPECT_FALSE(auth.Allows("Bearer abc"));
  EXPECT_FALSE(auth.Allows("Basic !!!!"));
  EXPECT_FALSE(auth.Allows("Basic "));
  EXPECT_TRUE(auth.Allows("basic " + Basic("alice:s3cret").substr(6))) << "scheme is case-insensitive";
}

TEST(BasicAuthTest, ARememberedSuccessNeverLetsAnotherPasswordIn) {
  FakeClock clock;
  BasicAuthenticator auth({{"alice", kHash}}, &clock);
  ASSERT_TRUE(auth.Allows(Basic("alice:s3cret")));
  EXPECT_TRUE(auth.Allows(Basic("alice:s3cret")));
  EXPECT_FALSE(auth.Allows(Basic("alice:wrong")));
  clock.Advance(std::chrono::minutes(5));  // Past what is remembered: checked again, still right.
  EXPECT_TRUE(auth.Allows(Basic("alice:s3cret")));
  EXPECT_FALSE(auth.Allows(Basic("alice:wrong")));
}

TEST(BasicAuthTest, APasswordWithAColonIsKeptWhole) {
  FakeClock clock;
  BasicAuthenticator auth({{"alice", kHash}}, &clock);
  EXPECT_FALSE(auth.Allows(Basic("alice:s3:cret")));
  EXPECT_FALSE(auth.Allows(Basic("alice:s3cret:")));
}

}  // namespace
}  // namespace rse
