#include "base/host_port.h"

#include <charconv>

namespace rse {

std::string HostPort::ToString() const {
  bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

StatusOr<HostPort> ParseHostPort(std::string_view text, bool allow_empty_host,
                                 bool allow_port_zero) {
  auto invalid = [&](std::string_view why) {
    // Appended, not a `"literal" + string` chain: GCC 12 warns a false
    // -Wrestrict on that once inlined in Release builds.
    std::string message = "\"";
    message.append(text).append("\" is not a valid \"host:port\" address: ").append(why);
    return Status::InvalidArgument(message);
  };
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return invalid("missing \":port\"");
  std::string_view host = text.substr(0, colon);
  std::string_view port_text = text.substr(colon + 1);
  if (!host.empty() && host.front() == '[') {
    if (host.back() != ']') return invalid("unbalanced '[' in IPv6 address");
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return invalid("IPv6 addresses must be bracketed, e.g. \"[::1]:5432\"");
  }
  if (host.empty() && !allow_empty_host) return invalid("missing host");
  for (char c : host) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '/' || c == '[' || c == ']')
      return invalid(
          "bad character in host (spaces, control characters, '/', '[' and ']' are not allowed)");
  }
  int port = -1;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size()) {
    return invalid("port is not a number");
  }
  if (port > 65535 || port < (allow_port_zero ? 0 : 1)) return invalid("port out of range");
  return HostPort{std::string(host), port};
}

}  // namespace rse
