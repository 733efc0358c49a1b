#pragma once
// The HTTP listen address as the Prometheus ecosystem writes it
// (node_exporter's --web.listen-address): ":PORT" for every interface,
// "HOST:PORT", "[IPv6]:PORT"; a bare "PORT" (older zpull configurations'
// `listen: 9720`) is read as ":PORT". Pure.

#include <string>
#include <string_view>

#include "core/result.h"

namespace zpull::exporter {

struct ListenAddress {
  std::string host;  // empty: every interface; an IPv6 address without brackets
  int port = 0;      // 0: any free port
  bool bare_port = false;  // written as "PORT", read as ":PORT"
};

// A config error naming `text` and the forms accepted where it is none of them.
core::Result<ListenAddress> ParseListenAddress(std::string_view text);

// What CivetWeb's listening_ports takes for `a`: "PORT", "HOST:PORT" or
// "[HOST]:PORT".
std::string CivetPorts(const ListenAddress& a);

// A URL a browser can open for `path` on `a` bound to `port` (the port
// asked for, or the one port 0 found): every interface, 0.0.0.0 and ::
// read as `hostname`.
std::string BrowserUrl(const ListenAddress& a, int port, bool tls, std::string_view hostname, std::string_view path);

}  // namespace zpull::exporter
