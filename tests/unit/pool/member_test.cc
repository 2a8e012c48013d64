#include "pool/member.h"

#include <gtest/gtest.h>

namespace rse {
namespace {

TEST(ExpandMembersTest, AnAddressOrAnUnresolvableNameStaysAsWritten) {
  auto members = ExpandMembers({{"10.1.2.3", 5432}, {"db.invalid", 3306}, {"::1", 5433}});
  ASSERT_EQ(members.size(), 3u);
  EXPECT_EQ(members[0].label, "10.1.2.3:5432");
  EXPECT_EQ(members[1].label, "db.invalid:3306");
  EXPECT_EQ(members[1].address, (HostPort{"db.invalid", 3306}));
  EXPECT_EQ(members[2].label, "[::1]:5433");
}

TEST(ExpandMembersTest, ANameWithSeveralAddressesContributesEach) {
  auto resolve = [](const std::string& host) -> std::vector<std::string> {
    if (host == "replicas.db") return {"10.0.0.11", "10.0.0.12", "fd00::13"};
    return {"10.0.0.99"};
  };
  auto members = ExpandMembers({{"replicas.db", 5432}, {"single.db", 5432}}, resolve);
  ASSERT_EQ(members.size(), 4u);
  EXPECT_EQ(members[0].label, "10.0.0.11:5432");
  EXPECT_EQ(members[1].label, "10.0.0.12:5432");
  EXPECT_EQ(members[2].label, "[fd00::13]:5432");
  EXPECT_EQ(members[2].address, (HostPort{"fd00::13", 5432}));
  EXPECT_EQ(members[3].label, "single.db:5432") << "one address: the name stays, as configured";
}

TEST(ExpandMembersTest, ResolvesLocalhostForReal) {
  auto addresses = ResolveHost("localhost");
  ASSERT_FALSE(addresses.empty());
  EXPECT_TRUE(ResolveHost("no-such-host.invalid").empty());
}

}  // namespace
}  // namespace rse
