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
  EXPECT_EQ(members[3].ip, "10.0.0.99") << "and its address is known, for a later refresh";
  EXPECT_EQ(members[0].ip, "10.0.0.11");
}

TEST(SrvTargetsTest, EachNamesTargetsFollowTheReplicasOnceEach) {
  auto resolve_srv = [](const std::string& name) -> std::vector<HostPort> {
    if (name == "_pg._tcp.a") return {{"pg-0.a", 5432}, {"pg-1.a", 5432}};
    if (name == "_pg._tcp.b") return {{"pg-1.a", 5432}, {"pg-2.b", 6432}};
    return {};
  };
  std::vector<HostPort> found = {{"10.0.0.1", 5432}};
  EXPECT_TRUE(AddSrvTargets({"_pg._tcp.a", "_pg._tcp.b"}, &found, resolve_srv).ok());
  EXPECT_EQ(found, (std::vector<HostPort>{
                       {"10.0.0.1", 5432}, {"pg-0.a", 5432}, {"pg-1.a", 5432}, {"pg-2.b", 6432}}));
  found.clear();
  Status missing = AddSrvTargets({"_pg._tcp.gone", "_pg._tcp.a"}, &found, resolve_srv);
  EXPECT_EQ(missing.code(), Status::Code::kNotFound);
  EXPECT_NE(missing.message().find("_pg._tcp.gone"), std::string::npos) << missing.message();
  EXPECT_EQ(found.size(), 2u) << "the names that resolve still count";
}

TEST(ExpandMembersTest, ResolvesLocalhostForReal) {
  auto addresses = ResolveHost("localhost");
  ASSERT_FALSE(addresses.empty());
  EXPECT_TRUE(ResolveHost("no-such-host.invalid").empty());
}

}  // namespace
}  // namespace rse
