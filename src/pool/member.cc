#include "pool/member.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <set>

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

std::vector<Member> ExpandMembers(const std::vector<HostPort>& replicas, const Resolver& resolve) {
  std::vector<Member> members;
  for (const HostPort& replica : replicas) {
    std::vector<std::string> addresses = resolve(replica.host);
    if (addresses.size() <= 1) {
      members.push_back({replica.ToString(), replica});
      continue;
    }
    for (const std::string& address : addresses) {
      HostPort each{address, replica.port};
      members.push_back({each.ToString(), each});
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
