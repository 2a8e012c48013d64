// Replicas found by DNS: names whose addresses come and go, and SRV records,
// through the real resolver, each address a member of its own.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "exposition/text_format.h"
#include "tcp_proxy.h"
#include "testing/subprocess.h"
#include "topology_fixture.h"

namespace rse::testing {
namespace {

// Replicas found by DNS, through the real resolver (getaddrinfo, /etc/hosts
// here): a name whose addresses come and go, each address a member of its
// own (proxies of ours on 127.0.0.2 and 127.0.0.3 in front of the replicas).
// A system file a test rewrites (the resolver's /etc/hosts, /etc/resolv.conf),
// put back as it was however the test ends.
class RestoredFile {
 public:
  explicit RestoredFile(std::string path) : path_(std::move(path)) {
    std::ifstream in(path_);
    std::stringstream all;
    all << in.rdbuf();
    original_ = all.str();
  }
  ~RestoredFile() { std::ofstream(path_, std::ios::trunc) << original_; }
  const std::string& original() const { return original_; }

 private:
  std::string path_;
  std::string original_;
};

class DnsTest : public TopologyTest, public ::testing::WithParamInterface<const ClusterEnv*> {};

TEST_P(DnsTest, AddressesThatComeAndGoBehindANameAreMembersOfTheirOwn) {
  const ClusterEnv& env = *GetParam();
  const bool pg = env.engine == Engine::kPostgres;
  TcpProxy first(env.replicas[0], {"127.0.0.2", 0});
  TcpProxy second(env.replicas[1], {"127.0.0.3", first.address().port});
  const int port = first.address().port;
  const std::string name = "rse-dns-test-" + env.name + ".invalid";
  const RestoredFile restore("/etc/hosts");
  const std::string& original = restore.original();
  auto hosts = [&](const std::vector<std::string>& addresses) {
    std::ofstream out("/etc/hosts", std::ios::trunc);
    out << original;
    for (const std::string& a : addresses) out << a << " " << name << "\n";
  };
  hosts({"127.0.0.2"});
  std::ostringstream text;
  text << "[cluster]\nname = \"shop\"\nengine = \"" << (pg ? "postgres" : "mysql")
       << "\"\ndatabase = \"shop\"\nuser = \"exporter\"\npassword_env = \"RSE_IT_PASSWORD\"\n"
       << "tls_mode = \"disable\"\nreplicas = [\"" << name << ":" << port << "\"]\n"
       << "dns_refresh = \"1ms\"\n";
  setenv("RSE_IT_PASSWORD", env.password.c_str(), 1);
  auto config = ParseExporterConfig(text.str(), "dns.toml", ".");
  ASSERT_TRUE(config.ok()) << config.status().message();
  auto catalog = ParseQueryCatalog({{"dns.toml", Catalog(pg)}});
  ASSERT_TRUE(catalog.ok());
  auto exporter = Exporter::Create(*config, *catalog, &logger_, DefaultClock());
  ASSERT_TRUE(exporter.ok()) << exporter.status().message();
  const std::string a = "127.0.0.2:" + std::to_string(port), b = "127.0.0.3:" + std::to_string(port);
  auto up = [](const std::string& member) {
    return "replica_sql_replica_up{replica=\"" + member + "\"} 1";
  };
  // A scrape starts the resolution beside it; the scrape after it uses the result.
  auto refreshed = [&] {
    (*exporter)->AwaitMemberRefresh();
    (*exporter)->Scrape({});
    (*exporter)->AwaitMemberRefresh();
    return RenderText((*exporter)->Scrape({}));
  };
  std::string out = RenderText((*exporter)->Scrape({}));
  EXPECT_TRUE(Has(out, "replica_sql_up 1")) << out;
  hosts({"127.0.0.2", "127.0.0.3"});  // A second address: two members.
  out = refreshed();
  EXPECT_TRUE(Has(out, "replica_sql_up 1")) << out;
  EXPECT_TRUE(Has(out, up(a))) << out;
  EXPECT_TRUE(Has(out, "replica_sql_replica_up{replica=\"" + b + "\"} 0"))
      << "a new address beside a serving one waits for rise (2) healthy probes: " << out;
  for (int i = 0; i < 6 && !Has(out, up(b)); ++i) out = RenderText((*exporter)->Scrape({}));
  EXPECT_TRUE(Has(out, "replica_sql_up 1")) << out;
  EXPECT_TRUE(Has(out, up(a)) && Has(out, up(b))) << out;
  hosts({"127.0.0.3"});  // The first goes: its series go with it.
  out = refreshed();
  EXPECT_TRUE(Has(out, "replica_sql_up 1")) << out;
  EXPECT_EQ(out.find(a), std::string::npos) << out;
  hosts({});  // Resolution fails: the members known are kept and serve.
  out = refreshed();
  EXPECT_TRUE(Has(out, "replica_sql_up 1")) << out << log_.str();
  std::vector<MetricFamily> families;
  (*exporter)->AppendFamilies(&families);
  const std::string dns = RenderText(Exposition{{}, families});
  EXPECT_EQ(dns.find("replica_sql_dns_refreshes_total{result=\"failed\"} 0"), std::string::npos) << dns;
  EXPECT_EQ(dns.find("replica_sql_dns_refreshes_total{result=\"changed\"} 0"), std::string::npos) << dns;
  EXPECT_NE(log_.str().find("replica names do not resolve"), std::string::npos);
}

// Replicas named by SRV records (a Kubernetes headless Service's
// _port._tcp names), served by a dnsmasq of the test's own that the system
// resolver is pointed at; its records change while the exporter scrapes.
class SrvTest : public TopologyTest, public ::testing::WithParamInterface<const ClusterEnv*> {};

TEST_P(SrvTest, ReplicasNamedBySrvRecordsComeAndGoWithTheirRecords) {
  const ClusterEnv& env = *GetParam();
  const bool pg = env.engine == Engine::kPostgres;
  const std::string srv = "_rse-" + env.name + "._tcp.srv.test";
  const std::string a = "rse-a-" + env.name + ".srv.test", b = "rse-b-" + env.name + ".srv.test";
  const int port_a = env.replicas[0].port, port_b = env.replicas[1].port;
  const std::string dir = ::testing::TempDir();
  std::unique_ptr<BackgroundProcess> dns;
  // Serves `targets` (name, port) for `srv`, each name an A record for 127.0.0.1.
  auto serve = [&](const std::vector<std::pair<std::string, int>>& targets) {
    dns.reset();  // SIGKILLs the one before: its records go with it.
    std::vector<std::string> args = {"/usr/sbin/dnsmasq", "--keep-in-foreground",
                                     "--conf-file=/dev/null", "--listen-address=127.0.0.153",
                                     "--port=53", "--bind-interfaces", "--no-resolv", "--no-hosts",
                                     "--user=root", "--log-facility=-",
                                     "--pid-file=" + dir + "/rse-dnsmasq.pid"};
    for (const auto& [name, port] : targets) {
      args.push_back("--srv-host=" + srv + "," + name + "," + std::to_string(port));
      args.push_back("--host-record=" + name + ",127.0.0.1");
    }
    dns = std::make_unique<BackgroundProcess>(args, dir);
    std::string log;
    ASSERT_TRUE(dns->WaitForLog("started, version", 5000, &log)) << log;
  };
  const RestoredFile restore("/etc/resolv.conf");
  std::ofstream("/etc/resolv.conf", std::ios::trunc)
      << "nameserver 127.0.0.153\noptions timeout:1 attempts:1\n";
  serve({{a, port_a}});
  std::ostringstream text;
  text << "[cluster]\nname = \"shop\"\nengine = \"" << (pg ? "postgres" : "mysql")
       << "\"\ndatabase = \"shop\"\nuser = \"exporter\"\npassword_env = \"RSE_IT_PASSWORD\"\n"
       << "tls_mode = \"disable\"\nreplicas_srv = [\"" << srv << "\"]\ndns_refresh = \"1ms\"\n";
  setenv("RSE_IT_PASSWORD", env.password.c_str(), 1);
  auto config = ParseExporterConfig(text.str(), "srv.toml", ".");
  ASSERT_TRUE(config.ok()) << config.status().message();
  auto catalog = ParseQueryCatalog({{"srv.toml", Catalog(pg)}});
  ASSERT_TRUE(catalog.ok());
  auto exporter = Exporter::Create(*config, *catalog, &logger_, DefaultClock());
  ASSERT_TRUE(exporter.ok()) << exporter.status().message();
  const std::string member_a = a + ":" + std::to_string(port_a);
  const std::string member_b = b + ":" + std::to_string(port_b);
  auto up = [](const std::string& member, int value) {
    return "replica_sql_replica_up{replica=\"" + member + "\"} " + std::to_string(value);
  };
  auto refreshed = [&] {
    (*exporter)->AwaitMemberRefresh();
    (*exporter)->Scrape({});
    (*exporter)->AwaitMemberRefresh();
    return RenderText((*exporter)->Scrape({}));
  };
  std::string out = RenderText((*exporter)->Scrape({}));
  EXPECT_TRUE(Has(out, "replica_sql_up 1")) << out << log_.str();
  EXPECT_TRUE(Has(out, up(member_a, 1))) << out;
  serve({{a, port_a}, {b, port_b}});  // A second target: a second member, after rise.
  out = refreshed();
  EXPECT_TRUE(Has(out, up(member_b, 0))) << out << log_.str();
  for (int i = 0; i < 6 && !Has(out, up(member_b, 1)); ++i)
    out = RenderText((*exporter)->Scrape({}));
  EXPECT_TRUE(Has(out, up(member_a, 1)) && Has(out, up(member_b, 1))) << out << log_.str();
  serve({{b, port_b}});  // The first target goes: its series go with it.
  out = refreshed();
  EXPECT_TRUE(Has(out, "replica_sql_up 1")) << out;
  EXPECT_EQ(out.find(member_a), std::string::npos) << out;
  dns.reset();  // No answer at all: the members known are kept and serve.
  out = refreshed();
  EXPECT_TRUE(Has(out, "replica_sql_up 1")) << out << log_.str();
  EXPECT_TRUE(Has(out, up(member_b, 1))) << out;
  std::vector<MetricFamily> families;
  (*exporter)->AppendFamilies(&families);
  const std::string counts = RenderText(Exposition{{}, families});
  EXPECT_EQ(counts.find("replica_sql_dns_refreshes_total{result=\"failed\"} 0"), std::string::npos)
      << counts;
}

INSTANTIATE_TEST_SUITE_P(Engines, SrvTest, ::testing::ValuesIn(AllEnvs()),
                         [](const auto& info) { return info.param->name; });

INSTANTIATE_TEST_SUITE_P(Engines, DnsTest, ::testing::ValuesIn(AllEnvs()),
                         [](const auto& info) { return info.param->name; });

}  // namespace
}  // namespace rse::testing
