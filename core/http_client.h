#pragma once
// Outgoing HTTP(S) requests for notifications (libcurl): a webhook's POST,
// a dead-man ping's GET. HTTPS is always certificate-verified (the
// system's CA store, or `ca_file`), redirects are not followed, only http
// and https are spoken, and every request ends within `timeout`. URLs may
// carry secrets (tokens in paths or queries): errors name the host only.

#include <chrono>
#include <string>

#include "core/result.h"

namespace zpull::core {

struct HttpRequest {
  std::string url;
  std::string body;          // POSTed as application/json when not empty; else a GET
  std::string ca_file;       // empty: the system's CA store
  std::chrono::seconds timeout{10};
};

// The response's status code (a 4xx or 5xx too), or an error: reason
// timeout when it did not end in time, network otherwise (connection,
// TLS, certificate), the message naming the host and curl's cause.
// Thread-safe; blocks for at most `timeout` (plus name resolution).
Result<long> HttpSend(const HttpRequest& request);

// "hooks.example.com" of "https://user:pw@hooks.example.com:8443/T0KEN?x=1":
// what logs and the status page may show of a URL. Pure.
std::string UrlHost(const std::string& url);

}  // namespace zpull::core
