#include "db/mysql/own_socket.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <charconv>
#include <filesystem>
#include <map>
#include <memory>
#include <vector>

namespace rse::mysql {
namespace {

// One mutex per address, never freed (members are few).
std::mutex& EndpointMutex(const std::string& endpoint) {
  static std::mutex guard;
  static std::map<std::string, std::unique_ptr<std::mutex>> mutexes;
  std::lock_guard<std::mutex> lock(guard);
  std::unique_ptr<std::mutex>& m = mutexes[endpoint];
  if (!m) m = std::make_unique<std::mutex>();
  return *m;
}

// The socket descriptors of this process, by inode.
std::map<ino_t, int> Sockets() {
  std::map<ino_t, int> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
    int fd = -1;
    const std::string name = entry.path().filename().string();
    if (std::from_chars(name.data(), name.data() + name.size(), fd).ec != std::errc()) continue;
    struct stat st {};
    if (fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode)) out.emplace(st.st_ino, fd);
  }
  return out;
}

// "address" of a peer, as inet_ntop writes it, and its port.
bool PeerOf(int fd, std::string* address, int* port) {
  sockaddr_storage peer{};
  socklen_t len = sizeof peer;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0) return false;
  char text[INET6_ADDRSTRLEN] = {};
  if (peer.ss_family == AF_INET) {
    const auto& in = reinterpret_cast<const sockaddr_in&>(peer);
    inet_ntop(AF_INET, &in.sin_addr, text, sizeof text);
    *port = ntohs(in.sin_port);
  } else if (peer.ss_family == AF_INET6) {
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(peer);
    inet_ntop(AF_INET6, &in6.sin6_addr, text, sizeof text);
    *port = ntohs(in6.sin6_port);
  } else {
    return false;
  }
  *address = text;
  return true;
}

std::vector<std::string> Addresses(const std::string& host) {
  std::vector<std::string> out;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0) return out;
  for (addrinfo* a = found; a; a = a->ai_next) {
    char text[INET6_ADDRSTRLEN] = {};
    const void* raw = a->ai_family == AF_INET
                          ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr)
                          : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr);
    if (inet_ntop(a->ai_family, raw, text, sizeof text)) out.push_back(text);
  }
  freeaddrinfo(found);
  return out;
}

}  // namespace

SocketWatch::SocketWatch(std::string host, int port)
    : host_(std::move(host)),
      port_(port),
      lock_(EndpointMutex(host_ + ":" + std::to_string(port_))) {
  for (const auto& [inode, fd] : Sockets()) before_.insert(inode);
}

int SocketWatch::Finish() {
  const std::vector<std::string> addresses = Addresses(host_);
  int found = -1;
  int matches = 0;
  for (const auto& [inode, fd] : Sockets()) {
    if (before_.count(inode)) continue;
    std::string address;
    int port = 0;
    if (!PeerOf(fd, &address, &port) || port != port_) continue;
    // IPv4 peers of a dual-stack socket read "::ffff:a.b.c.d".
    bool ours = false;
    for (const std::string& a : addresses)
      ours |= address == a || address == "::ffff:" + a;
    if (!ours) continue;
    found = fd;
    ++matches;
  }
  if (lock_.owns_lock()) lock_.unlock();
  return matches == 1 ? found : -1;
}

}  // namespace rse::mysql
