// Internal to db/mysql: finds the socket one connect of ours opened, from our
// own side. Connector/C++ 1.1 exposes no socket, and the server's view of our
// address (PROCESSLIST.HOST) is a proxy's when HAProxy, ProxySQL or NAT sits
// in between, so the socket is the one new descriptor of this process whose
// peer is the address we connected to. Connects to one address are serialized
// while they are watched, so that "new" means "ours".
#pragma once

#include <sys/types.h>

#include <mutex>
#include <set>
#include <string>

namespace rse::mysql {

class SocketWatch {
 public:
  // Waits for other watched connects to `host`:`port`, then notes the sockets
  // this process has now.
  SocketWatch(std::string host, int port);
  SocketWatch(const SocketWatch&) = delete;
  SocketWatch& operator=(const SocketWatch&) = delete;

  // After the connect: the one socket opened since whose peer is host:port,
  // or -1 when there is none or more than one. Ends the watch.
  int Finish();

 private:
  const std::string host_;
  const int port_;
  std::unique_lock<std::mutex> lock_;
  std::set<ino_t> before_;
};

}  // namespace rse::mysql
