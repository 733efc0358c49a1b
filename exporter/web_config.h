#pragma once
// The HTTP endpoint's security, in the Prometheus exporter-toolkit
// web-config format (--web.config.file):
//
//   tls_server_config:
//     cert_file: /etc/zpull/tls.crt        # PEM, with the chain
//     key_file: /etc/zpull/tls.key
//     client_auth_type: RequireAndVerifyClientCert   # mTLS; default NoClientCert
//     client_ca_file: /etc/zpull/clients-ca.crt
//     min_version: TLS12                   # TLS10..TLS13; default TLS12
//   basic_auth_users:
//     prometheus: $2y$10$…                 # bcrypt hashes only
//
// Keys the toolkit has but zpull does not implement, and unknown keys, are
// errors naming the key; so are missing or unreadable files.

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "core/result.h"
#include "exporter/listen_address.h"

namespace zpull::exporter {

struct TlsConfig {
  std::string cert_file, key_file, client_ca_file;
  enum class ClientAuth { kNone, kVerifyIfGiven, kRequireAndVerify } client_auth = ClientAuth::kNone;
  int min_version = 0x0303;  // TLS_VERSION numbers: 0x0301 TLS 1.0 … 0x0304 TLS 1.3
};

struct WebConfig {
  std::optional<TlsConfig> tls;
  std::map<std::string, std::string> basic_auth_users;  // user -> bcrypt hash
};

core::Result<WebConfig> ParseWebConfig(const std::string& text, const std::string& path);

// What an HTTP listener is started with. Two are interchangeable when their
// fingerprints are equal: the same address, and the same bytes in the web
// configuration file and in every file it names (so a renewed certificate
// makes a new listener).
struct Listener {
  std::string listen;     // as CivetWeb takes it (CivetPorts)
  ListenAddress address;  // as configured (exporter/listen_address.h)
  WebConfig web;
  std::string fingerprint;
};
// `listen` as ParseListenAddress reads it; `web_config_file` may be empty
// (plain HTTP, no authentication).
core::Result<Listener> LoadListener(const std::string& listen, const std::string& web_config_file);

// Whether `password` matches the bcrypt `hash` (crypt(3), libxcrypt).
bool PasswordMatches(const std::string& hash, const std::string& password);

// Whether the Authorization `header` (may be null) names a user of `users`
// with the right password. Every well-formed Basic header costs one
// `verify` (bcrypt), whether the user exists or not.
using PasswordVerifier = std::function<bool(const std::string& hash, const std::string& password)>;
bool Authorized(const std::map<std::string, std::string>& users, const char* header, const PasswordVerifier& verify);

// RFC 4648 base64 (with padding, nothing else: no whitespace) -> bytes;
// nullopt if malformed.
std::optional<std::string> DecodeBase64(const std::string& text);

// "Basic <base64 of user:password>" -> (user, password); nullopt otherwise.
std::optional<std::pair<std::string, std::string>> ParseBasicAuth(const std::string& header);

}  // namespace zpull::exporter
