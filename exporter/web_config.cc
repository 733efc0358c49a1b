#include "exporter/web_config.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "config/yaml_reader.h"

namespace zpull::exporter {
namespace {

class WebConfigParser : public config::YamlReader {
 public:
  using YamlReader::YamlReader;

  WebConfig Parse(const YAML::Node& root) const {
    WebConfig c;
    if (root.IsNull()) return c;  // an empty file: plain HTTP, no authentication
    ExpectMap(root, "", {"tls_server_config", "basic_auth_users", "http_server_config"});
    if (const auto& http = root["http_server_config"]) {
      Error(http, "http_server_config", "not supported by zpull (HTTP/2 and extra headers are not implemented)");
    }
    if (const auto& tls = root["tls_server_config"]) c.tls = Tls(tls);
    if (const auto& users = root["basic_auth_users"]) {
      if (!users.IsMap()) Error(users, "basic_auth_users", "expected a mapping of user names to bcrypt hashes");
      std::set<std::string> seen;
      for (const auto& kv : users) {
        const std::string user = String(kv.first, "basic_auth_users");
        if (!seen.insert(user).second) Error(kv.first, user, "duplicate user");
        if (user.empty() || user.find(':') != std::string::npos) Error(kv.first, user, "a user name must be non-empty and have no ':'");
        const std::string hash = String(kv.second, user);
        const bool bcrypt = hash.size() == 60 && (hash.starts_with("$2a$") || hash.starts_with("$2b$") || hash.starts_with("$2y$"));
        if (!bcrypt) Error(kv.second, user, "expected a bcrypt hash ($2y$…, e.g. from htpasswd -nBC 10 USER)");
        c.basic_auth_users[user] = hash;
      }
    }
    return c;
  }

 private:
  TlsConfig Tls(const YAML::Node& n) const {
    ExpectMap(n, "tls_server_config",
              {"cert_file", "key_file", "client_auth_type", "client_ca_file", "min_version", "max_version",
               "cipher_suites", "curve_preferences", "prefer_server_cipher_suites", "client_allowed_sans"});
    for (const char* unsupported : {"max_version", "cipher_suites", "curve_preferences", "prefer_server_cipher_suites",
                                    "client_allowed_sans"}) {
      if (n[unsupported]) Error(n[unsupported], unsupported, "not supported by zpull");
    }
    TlsConfig t;
    for (auto [key, field] : {std::pair{"cert_file", &t.cert_file}, {"key_file", &t.key_file}}) {
      if (!n[key]) Error(n, key, "missing (TLS needs cert_file and key_file)");
      *field = ReadableFile(n[key], key);
    }
    if (const auto& auth = n["client_auth_type"]) {
      const std::string v = String(auth, "client_auth_type");
      if (v == "NoClientCert") t.client_auth = TlsConfig::ClientAuth::kNone;
      else if (v == "VerifyClientCertIfGiven") t.client_auth = TlsConfig::ClientAuth::kVerifyIfGiven;
      else if (v == "RequireAndVerifyClientCert") t.client_auth = TlsConfig::ClientAuth::kRequireAndVerify;
      else if (v == "RequestClientCert" || v == "RequireAnyClientCert") {
        Error(auth, "client_auth_type", "'" + v + "' accepts unverified client certificates; zpull supports "
                                        "NoClientCert, VerifyClientCertIfGiven and RequireAndVerifyClientCert");
      } else {
        Error(auth, "client_auth_type", "unknown value '" + v + "'");
      }
    }
    if (n["client_ca_file"]) t.client_ca_file = ReadableFile(n["client_ca_file"], "client_ca_file");
    if (t.client_auth != TlsConfig::ClientAuth::kNone && t.client_ca_file.empty()) {
      Error(n, "client_ca_file", "missing: client certificates are verified against it");
    }
    if (const auto& v = n["min_version"]) {
      const std::string s = String(v, "min_version");
      if (s == "TLS10") t.min_version = 0x0301;
      else if (s == "TLS11") t.min_version = 0x0302;
      else if (s == "TLS12") t.min_version = 0x0303;
      else if (s == "TLS13") t.min_version = 0x0304;
      else Error(v, "min_version", "expected TLS10, TLS11, TLS12 or TLS13, got '" + s + "'");
    }
    return t;
  }

  std::string ReadableFile(const YAML::Node& n, const std::string& key) const {
    std::string path = String(n, key);
    if (path.empty() || ::access(path.c_str(), R_OK) != 0) {
      Error(n, key, "cannot read '" + path + "': " + std::strerror(errno));
    }
    return path;
  }
};

}  // namespace

core::Result<WebConfig> ParseWebConfig(const std::string& text, const std::string& path) {
  try {
    return WebConfigParser(path).Parse(config::LoadYaml(text, path));
  } catch (const config::YamlError& e) {
    return core::Fail(core::Reason::kConfig, e.message);
  } catch (const YAML::Exception& e) {
    return core::Fail(core::Reason::kConfig, config::WhereAndWhat(path, e));
  }
}

namespace {
std::optional<std::string> ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

core::Result<Listener> LoadListener(const std::string& listen, const std::string& web_config_file) {
  auto address = ParseListenAddress(listen);
  if (!address) return tl::unexpected(address.error());
  Listener l{CivetPorts(*address), *address, {}, {}};
  // Length-prefixed parts: no two different inputs run together alike.
  auto add = [&l](const std::string& part) { l.fingerprint += std::to_string(part.size()) + ":" + part + "\n"; };
  add(l.listen);
  if (web_config_file.empty()) return l;
  errno = 0;
  auto text = ReadAll(web_config_file);
  if (!text) {
    return core::Fail(core::Reason::kConfig, web_config_file + ": cannot read the web configuration file" +
                                                 (errno ? std::string(": ") + std::strerror(errno) : ""));
  }
  auto web = ParseWebConfig(*text, web_config_file);
  if (!web) return tl::unexpected(web.error());
  l.web = std::move(*web);
  add(web_config_file);
  add(*text);
  if (l.web.tls) {
    for (const auto* file : {&l.web.tls->cert_file, &l.web.tls->key_file, &l.web.tls->client_ca_file}) {
      if (file->empty()) continue;
      auto bytes = ReadAll(*file);
      if (!bytes) return core::Fail(core::Reason::kConfig, web_config_file + ": cannot read " + *file);
      add(*bytes);
    }
  }
  return l;
}

bool PasswordMatches(const std::string& hash, const std::string& password) {
  crypt_data data{};
  const char* out = ::crypt_r(password.c_str(), hash.c_str(), &data);
  if (!out || out[0] == '*') return false;  // "*0"/"*1": libxcrypt's failure tokens
  const std::size_t n = std::strlen(out);
  return n == hash.size() && CRYPTO_memcmp(out, hash.data(), n) == 0;
}

std::optional<std::string> DecodeBase64(const std::string& text) {
  // EVP_DecodeBlock skips whitespace around the text, decodes '=' inside it
  // and counts padding as zero bytes: the shape is checked here first.
  if (text.size() % 4 != 0) return std::nullopt;
  std::size_t pad = 0;
  while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=') ++pad;
  for (std::size_t i = 0; i + pad < text.size(); ++i) {
    const char c = text[i];
    const bool alphabet = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
    if (!alphabet) return std::nullopt;
  }
  std::string out(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0 || static_cast<std::size_t>(n) != out.size()) return std::nullopt;
  out.resize(out.size() - pad);
  return out;
}

bool Authorized(const std::map<std::string, std::string>& users, const char* header, const PasswordVerifier& verify) {
  if (!header || users.empty()) return false;
  auto creds = ParseBasicAuth(header);
  if (!creds) return false;
  auto it = users.find(creds->first);
  if (it == users.end()) {
    // One verify as for a known user (a configured hash: the same cost),
    // its answer ignored.
    (void)verify(users.begin()->second, creds->second);
    return false;
  }
  return verify(it->second, creds->second);
}

std::optional<std::pair<std::string, std::string>> ParseBasicAuth(const std::string& header) {
  if (header.size() < 6 || strncasecmp(header.c_str(), "Basic ", 6) != 0) return std::nullopt;
  std::size_t start = 6;
  while (start < header.size() && header[start] == ' ') ++start;
  auto decoded = DecodeBase64(header.substr(start));
  if (!decoded) return std::nullopt;
  const std::size_t colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  return std::pair{decoded->substr(0, colon), decoded->substr(colon + 1)};
}

}  // namespace zpull::exporter
