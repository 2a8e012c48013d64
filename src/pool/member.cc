#include "pool/member.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

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

}  // namespace rse
