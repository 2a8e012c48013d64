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
  // "localhost" resolves to 127.0.0.1 and, where IPv6 is configured, ::1.
  auto members = ExpandMembers({{"localhost", 5432}});
  ASSERT_GE(members.size(), 1u);
  if (members.size() == 1) {
    EXPECT_EQ(members[0].label, "localhost:5432");
  } else {
    for (const Member& m : members) {
      EXPECT_NE(m.label, "localhost:5432");
      EXPECT_EQ(m.label, m.address.ToString());
    }
  }
}

}  // namespace
}  // namespace rse
