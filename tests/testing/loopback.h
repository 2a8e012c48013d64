// Raw TCP to a server of ours on 127.0.0.1, for requests an HTTP client
// library will not send (odd methods, half requests, huge headers).
#pragma once

#include <string>

namespace rse::testing {

// A connected socket to 127.0.0.1:`port`, or -1.
int ConnectLoopback(int port);

// Sends `request` as raw bytes on a new connection and returns what the server
// answers: up to the end of the first response (by Content-Length), the close,
// or `quiet_seconds` of silence.
std::string RawExchange(int port, const std::string& request, int quiet_seconds = 2);

}  // namespace rse::testing
