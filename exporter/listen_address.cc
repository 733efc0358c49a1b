#include "exporter/listen_address.h"

#include <algorithm>
#include <cctype>

namespace zpull::exporter {
namespace {

constexpr std::string_view kForms = "write :PORT (every interface) or HOST:PORT, e.g. :9720 or 127.0.0.1:9720";

core::Result<int> Port(std::string_view text, std::string_view whole) {
  if (text.empty() || text.size() > 5 || !std::all_of(text.begin(), text.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c));
      })) {
    return core::Fail(core::Reason::kConfig, "listen address '" + std::string(whole) + "': the port '" +
                                                 std::string(text) + "' is not a number from 0 to 65535; " +
                                                 std::string(kForms));
  }
  const int port = std::stoi(std::string(text));
  if (port > 65535) {
    return core::Fail(core::Reason::kConfig, "listen address '" + std::string(whole) + "': the port " +
                                                 std::string(text) + " is above 65535; " + std::string(kForms));
  }
  return port;
}

bool HostChars(std::string_view host, std::string_view extra) {
  return !host.empty() && std::all_of(host.begin(), host.end(), [&](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || extra.find(c) != std::string_view::npos;
  });
}

}  // namespace

core::Result<ListenAddress> ParseListenAddress(std::string_view text) {
  ListenAddress a;
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    auto port = Port(text, text);
    if (!port) return tl::unexpected(port.error());
    a.port = *port;
    a.bare_port = true;
    return a;
  }
  auto port = Port(text.substr(colon + 1), text);
  if (!port) return tl::unexpected(port.error());
  a.port = *port;
  std::string_view host = text.substr(0, colon);
  if (host.starts_with('[')) {
    if (!host.ends_with(']') || !HostChars(host.substr(1, host.size() - 2), ":.%")) {
      return core::Fail(core::Reason::kConfig, "listen address '" + std::string(text) +
                                                   "': not an IPv6 address in brackets; " + std::string(kForms));
    }
    a.host = std::string(host.substr(1, host.size() - 2));
  } else if (!host.empty()) {
    if (!HostChars(host, ".-")) {
      return core::Fail(core::Reason::kConfig, "listen address '" + std::string(text) + "': '" + std::string(host) +
                                                   "' is not a host name or IPv4 address (an IPv6 address goes "
                                                   "in brackets: [::1]:9720); " + std::string(kForms));
    }
    a.host = std::string(host);
  }
  return a;
}

std::string CivetPorts(const ListenAddress& a) {
  const std::string port = std::to_string(a.port);
  if (a.host.empty()) return port;
  if (a.host.find(':') != std::string::npos) return "[" + a.host + "]:" + port;
  return a.host + ":" + port;
}

std::string BrowserUrl(const ListenAddress& a, int port, bool tls, std::string_view hostname, std::string_view path) {
  std::string host = a.host;
  if (host.empty() || host == "0.0.0.0" || host == "::") host = hostname.empty() ? "localhost" : std::string(hostname);
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return std::string(tls ? "https" : "http") + "://" + host + ":" + std::to_string(port) + std::string(path);
}

}  // namespace zpull::exporter
