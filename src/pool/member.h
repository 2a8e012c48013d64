// The members of the pool as configured: one per replica address, with a
// host name that resolves to several addresses contributing each of them.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/host_port.h"
#include "base/status.h"

namespace rse {

struct Member {
  std::string label;  // The `replica` label: "host:port" as configured, or "address:port".
  HostPort address;   // Where to connect.
  // The IP address `address` resolved to when expanded (empty: unknown): the
  // same server under another label (a name that gained a second address) is
  // still the same member.
  std::string ip;
};

// A name's addresses, as text; empty when it does not resolve.
using Resolver = std::function<std::vector<std::string>(const std::string& host)>;

// getaddrinfo(3), deduplicated, in the order the system returns them.
std::vector<std::string> ResolveHost(const std::string& host);

// An SRV name's targets as host:port, ordered by priority, then weight
// (highest first), then name, deduplicated; empty when it does not resolve.
using SrvResolver = std::function<std::vector<HostPort>(const std::string& name)>;

// res_nsearch(3) for SRV records (the system's resolv.conf: its servers and
// search domains, as Kubernetes sets them).
std::vector<HostPort> ResolveSrv(const std::string& name);

// The configured replicas followed by every SRV name's targets. NotFound
// naming the first SRV name without targets; the others still fill `found`.
Status AddSrvTargets(const std::vector<std::string>& srv_names, std::vector<HostPort>* found,
                     const SrvResolver& resolve_srv = ResolveSrv);

// Resolves each name. A name that resolves to one address, or not at all
// (the database may be down), stays as written.
std::vector<Member> ExpandMembers(const std::vector<HostPort>& replicas,
                                  const Resolver& resolve = ResolveHost);

// Whether any of `replicas` is a name rather than an address: only then can
// the member list change between resolutions.
bool AnyHostName(const std::vector<HostPort>& replicas);

// The member list again, for a refresh: NotFound naming the first name that
// does not resolve now (the caller keeps the members it has).
StatusOr<std::vector<Member>> ResolveMembers(const std::vector<HostPort>& replicas,
                                             const Resolver& resolve = ResolveHost);

// Same members, whatever their order.
bool SameMembers(std::vector<Member> a, std::vector<Member> b);

}  // namespace rse
