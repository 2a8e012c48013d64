// A TCP proxy of the tests' own on 127.0.0.1, in front of one server: what
// HAProxy, ProxySQL or NAT put between the exporter and a replica. Freeze()
// stops it forwarding a byte either way while every connection stays open:
// the member behind it hangs, as seen from the exporter, with nothing the
// server could report about our side.
#pragma once

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "base/host_port.h"

namespace rse::testing {

class TcpProxy {
 public:
  // Listens on `listen` (port 0: any free port).
  explicit TcpProxy(HostPort target, HostPort listen = {"127.0.0.1", 0});
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  HostPort address() const { return {listen_host_, port_}; }
  void Freeze() { frozen_ = true; }
  void Thaw() { frozen_ = false; }
  // Times a client spoke after the server had (or first): its round trips,
  // however its bytes were cut into reads.
  int client_turns() const { return client_turns_; }

 private:
  void Accept();
  void Pump(int client, int server);

  const HostPort target_;
  std::string listen_host_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> frozen_ = false;
  std::atomic<bool> stopping_ = false;
  std::atomic<int> client_turns_ = 0;
  std::mutex mu_;
  std::vector<std::thread> threads_;  // Guarded by mu_.
  std::vector<int> fds_;              // Guarded by mu_.
  std::thread acceptor_;
};

}  // namespace rse::testing
