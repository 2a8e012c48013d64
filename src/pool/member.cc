#include "pool/member.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <sys/socket.h>

#include <algorithm>
#include <set>
#include <tuple>

namespace rse {

std::vector<std::string> ResolveHost(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* result = nullptr;
  std::vector<std::string> addresses;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &result) != 0) return addresses;
  std::set<std::string> seen;
  for (addrinfo* ai = result; ai; ai = ai->ai_next) {
    char text[INET6_ADDRSTRLEN] = {};
    const void* raw =
        ai->ai_family == AF_INET
            ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(ai->ai_addr)->sin_addr)
            : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(ai->ai_addr)->sin6_addr);
    if (inet_ntop(ai->ai_family, raw, text, sizeof text) && seen.insert(text).second)
      addresses.push_back(text);
  }
  freeaddrinfo(result);
  return addresses;
}

std::vector<HostPort> ResolveSrv(const std::string& name) {
  struct Record {
    int priority, weight;
    HostPort target;
  };
  std::vector<Record> records;
  struct __res_state state{};
  if (res_ninit(&state) != 0) return {};
  std::vector<unsigned char> answer(64 * 1024);
  const int length = res_nsearch(&state, name.c_str(), ns_c_in, ns_t_srv, answer.data(),
                                 static_cast<int>(answer.size()));
  ns_msg message;
  if (length > 0 && ns_initparse(answer.data(), length, &message) == 0) {
    for (int i = 0; i < ns_msg_count(message, ns_s_an); ++i) {
      ns_rr rr;
      if (ns_parserr(&message, ns_s_an, i, &rr) != 0 || ns_rr_type(rr) != ns_t_srv ||
          ns_rr_rdlen(rr) < 7)
        continue;
      // RFC 2782: priority, weight, port (16 bits each), then the target's name.
      const unsigned char* rdata = ns_rr_rdata(rr);
      char target[NS_MAXDNAME];
      if (dn_expand(ns_msg_base(message), ns_msg_end(message), rdata + 6, target,
                    sizeof target) < 0)
        continue;
      const int port = static_cast<int>(ns_get16(rdata + 4));
      // "." means the service is decidedly not available at this name.
      if (port == 0 || std::string(target).empty() || std::string(target) == ".") continue;
      records.push_back({static_cast<int>(ns_get16(rdata)), static_cast<int>(ns_get16(rdata + 2)),
                         {target, port}});
    }
  }
  res_nclose(&state);
  // Servers answer in any order; members are tried round-robin anyway, so a
  // stable order (and stable series) matters more than RFC 2782's weighted pick.
  std::sort(records.begin(), records.end(), [](const Record& a, const Record& b) {
    return std::tie(a.priority, b.weight, a.target.host, a.target.port) <
           std::tie(b.priority, a.weight, b.target.host, b.target.port);
  });
  std::vector<HostPort> targets;
  for (const Record& record : records) {
    if (std::find(targets.begin(), targets.end(), record.target) == targets.end())
      targets.push_back(record.target);
  }
  return targets;
}

Status AddSrvTargets(const std::vector<std::string>& srv_names, std::vector<HostPort>* found,
                     const SrvResolver& resolve_srv) {
  Status status = Status::Ok();
  for (const std::string& name : srv_names) {
    std::vector<HostPort> targets = resolve_srv(name);
    if (targets.empty() && status.ok())
      status = Status::NotFound("SRV \"" + name + "\" has no targets (does not resolve)");
    for (HostPort& target : targets) {
      if (std::find(found->begin(), found->end(), target) == found->end())
        found->push_back(std::move(target));
    }
  }
  return status;
}

std::vector<Member> ExpandMembers(const std::vector<HostPort>& replicas, const Resolver& resolve) {
  std::vector<Member> members;
  for (const HostPort& replica : replicas) {
    std::vector<std::string> addresses = resolve(replica.host);
    if (addresses.size() <= 1) {
      members.push_back({replica.ToString(), replica, addresses.empty() ? "" : addresses[0]});
      continue;
    }
    for (const std::string& address : addresses) {
      HostPort each{address, replica.port};
      members.push_back({each.ToString(), each, address});
    }
  }
  return members;
}

bool AnyHostName(const std::vector<HostPort>& replicas) {
  for (const HostPort& replica : replicas) {
    unsigned char buffer[sizeof(in6_addr)];
    if (inet_pton(AF_INET, replica.host.c_str(), buffer) != 1 &&
        inet_pton(AF_INET6, replica.host.c_str(), buffer) != 1)
      return true;
  }
  return false;
}

StatusOr<std::vector<Member>> ResolveMembers(const std::vector<HostPort>& replicas,
                                             const Resolver& resolve) {
  for (const HostPort& replica : replicas) {
    if (AnyHostName({replica}) && resolve(replica.host).empty())
      return Status::NotFound("\"" + replica.host + "\" does not resolve");
  }
  return ExpandMembers(replicas, resolve);
}

bool SameMembers(std::vector<Member> a, std::vector<Member> b) {
  auto key = [](const Member& m) { return m.label + "|" + m.address.ToString(); };
  auto less = [&](const Member& x, const Member& y) { return key(x) < key(y); };
  std::sort(a.begin(), a.end(), less);
  std::sort(b.begin(), b.end(), less);
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(),
                    [&](const Member& x, const Member& y) { return key(x) == key(y); });
}

}  // namespace rse
