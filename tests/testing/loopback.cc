#include "testing/loopback.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace rse::testing {

int ConnectLoopback(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

std::string RawExchange(int port, const std::string& request, int quiet_seconds) {
  int fd = ConnectLoopback(port);
  if (fd < 0) return "";
  timeval timeout{quiet_seconds, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  (void)!write(fd, request.data(), request.size());
  std::string out;
  char buffer[4096];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof buffer)) > 0) {
    out.append(buffer, static_cast<size_t>(n));
    const size_t header_end = out.find("\r\n\r\n");
    const size_t length_at = out.find("Content-Length: ");
    if (header_end != std::string::npos && length_at != std::string::npos &&
        out.size() >= header_end + 4 + std::stoul(out.substr(length_at + 16))) {
      break;
    }
  }
  close(fd);
  return out;
}

}  // namespace rse::testing
