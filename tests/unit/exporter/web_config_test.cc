#include "exporter/web_config.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <vector>

namespace zpull::exporter {
namespace {

// OpenBSD's bcrypt test vector: "U*U" with cost 5.
const char* kHash = "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";

std::string ErrorOf(const std::string& text) {
  auto c = ParseWebConfig(text, "web.yml");
  EXPECT_FALSE(c) << "accepted:\n" << text;
  return c ? "" : c.error().message;
}

TEST(WebConfig, EmptyMeansPlainHttpWithoutAuth) {
  auto c = ParseWebConfig("", "web.yml");
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->tls);
  EXPECT_TRUE(c->basic_auth_users.empty());
}

TEST(WebConfig, UsersAndTls) {
  const std::string file = ::testing::TempDir() + "/zpull-web-config-test.pem";
  std::ofstream(file) << "x";
  auto c = ParseWebConfig("tls_server_config:\n  cert_file: " + file + "\n  key_file: " + file +
                              "\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: " + file +
                              "\n  min_version: TLS13\nbasic_auth_users:\n  prometheus: '" + kHash + "'\n",
                          "web.yml");
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_TRUE(c->tls);
  EXPECT_EQ(c->tls->client_auth, TlsConfig::ClientAuth::kRequireAndVerify);
  EXPECT_EQ(c->tls->min_version, 0x0304);
  EXPECT_EQ(c->basic_auth_users.at("prometheus"), kHash);
  std::remove(file.c_str());
}

// A reload keeps the HTTP listener only while nothing it was started with
// changed: address, web configuration, or a file that names.
TEST(Listener, FingerprintChangesWithAddressConfigAndCertificates) {
  const std::string dir = ::testing::TempDir();
  const std::string cert = dir + "/zpull-listener-test.crt", key = dir + "/zpull-listener-test.key";
  const std::string web = dir + "/zpull-listener-test.yml";
  std::ofstream(cert) << "certificate 1";
  std::ofstream(key) << "key";
  std::ofstream(web) << "tls_server_config: {cert_file: " << cert << ", key_file: " << key << "}\n";

  auto plain = LoadListener("127.0.0.1:9720", "");
  ASSERT_TRUE(plain) << plain.error().message;
  EXPECT_FALSE(plain->web.tls);
  EXPECT_EQ(plain->fingerprint, LoadListener("127.0.0.1:9720", "")->fingerprint);
  EXPECT_NE(plain->fingerprint, LoadListener("127.0.0.1:9721", "")->fingerprint);

  auto tls = LoadListener("127.0.0.1:9720", web);
  ASSERT_TRUE(tls) << tls.error().message;
  ASSERT_TRUE(tls->web.tls);
  EXPECT_NE(tls->fingerprint, plain->fingerprint);
  EXPECT_EQ(tls->fingerprint, LoadListener("127.0.0.1:9720", web)->fingerprint);
  std::ofstream(cert) << "certificate 2";  // renewed
  auto renewed = LoadListener("127.0.0.1:9720", web);
  ASSERT_TRUE(renewed);
  EXPECT_NE(renewed->fingerprint, tls->fingerprint);

  std::remove(cert.c_str());
  auto gone = LoadListener("127.0.0.1:9720", web);
  ASSERT_FALSE(gone);
  EXPECT_NE(gone.error().message.find(cert), std::string::npos) << gone.error().message;
  EXPECT_NE(LoadListener("127.0.0.1:9720", dir + "/absent.yml").error().message.find("absent.yml: cannot read"),
            std::string::npos);
  std::remove(key.c_str());
  std::remove(web.c_str());
}

TEST(WebConfig, ErrorsNameTheKey) {
  EXPECT_EQ(ErrorOf("basic_auth_user: {}\n"),
            "web.yml:1:1: 'basic_auth_user': unknown key (expected one of: tls_server_config, basic_auth_users, "
            "http_server_config)");
  EXPECT_EQ(ErrorOf("basic_auth_users: {alice: secret}\n"),
            "web.yml:1:27: 'alice': expected a bcrypt hash ($2y$…, e.g. from htpasswd -nBC 10 USER)");
  EXPECT_EQ(ErrorOf("tls_server_config: {cert_file: /nonexistent/c.pem, key_file: /nonexistent/k.pem}\n"),
            "web.yml:1:32: 'cert_file': cannot read '/nonexistent/c.pem': No such file or directory");
  EXPECT_EQ(ErrorOf("tls_server_config: {key_file: x}\n"),
            "web.yml:1:20: 'cert_file': missing (TLS needs cert_file and key_file)");
  EXPECT_EQ(ErrorOf("tls_server_config: {cipher_suites: [x]}\n"),
            "web.yml:1:36: 'cipher_suites': not supported by zpull");
  EXPECT_EQ(ErrorOf("http_server_config: {http2: true}\n"),
            "web.yml:1:21: 'http_server_config': not supported by zpull (HTTP/2 and extra headers are not implemented)");
}

TEST(WebConfig, MutualTlsNeedsAClientCa) {
  const std::string file = ::testing::TempDir() + "/zpull-web-config-test2.pem";
  std::ofstream(file) << "x";
  auto e = ErrorOf("tls_server_config: {cert_file: " + file + ", key_file: " + file +
                   ", client_auth_type: VerifyClientCertIfGiven}\n");
  EXPECT_NE(e.find("'client_ca_file': missing"), std::string::npos) << e;
  e = ErrorOf("tls_server_config: {cert_file: " + file + ", key_file: " + file + ", min_version: SSL3}\n");
  EXPECT_NE(e.find("expected TLS10, TLS11, TLS12 or TLS13, got 'SSL3'"), std::string::npos) << e;
  std::remove(file.c_str());
}

TEST(PasswordMatches, BcryptVector) {
  EXPECT_TRUE(PasswordMatches(kHash, "U*U"));
  EXPECT_FALSE(PasswordMatches(kHash, "U*V"));
  EXPECT_FALSE(PasswordMatches(kHash, ""));
  EXPECT_FALSE(PasswordMatches("not a hash", "U*U"));
}

TEST(Base64, DecodesAndRejects) {
  EXPECT_EQ(DecodeBase64("YWxpY2U6c2VjcmV0").value(), "alice:secret");
  EXPECT_EQ(DecodeBase64("YQ==").value(), "a");
  EXPECT_EQ(DecodeBase64("YWI=").value(), "ab");
  EXPECT_EQ(DecodeBase64("").value(), "");
  EXPECT_FALSE(DecodeBase64("YQ="));
  EXPECT_FALSE(DecodeBase64("Y=Q="));
  EXPECT_FALSE(DecodeBase64("YW*j"));
  EXPECT_FALSE(DecodeBase64("YQ==YQ=="));  // padding inside
  EXPECT_FALSE(DecodeBase64("YWI"));       // not a whole group
  EXPECT_FALSE(DecodeBase64("YW I="));     // whitespace inside
  EXPECT_FALSE(DecodeBase64(" YWI="));     // or around (EVP_DecodeBlock would skip it)
  EXPECT_FALSE(DecodeBase64("YWI=\n"));
  EXPECT_FALSE(DecodeBase64("Y==="));
  EXPECT_EQ(DecodeBase64("AAAA").value(), std::string(3, '\0'));
}

TEST(BasicAuth, ParsesTheHeader) {
  auto c = ParseBasicAuth("Basic YWxpY2U6c2VjOnJldA==");  // alice:sec:ret
  ASSERT_TRUE(c);
  EXPECT_EQ(c->first, "alice");
  EXPECT_EQ(c->second, "sec:ret");
  EXPECT_FALSE(ParseBasicAuth("Bearer abc"));
  EXPECT_FALSE(ParseBasicAuth("Basic YWxpY2U="));  // no colon
}

// Every well-formed attempt costs one bcrypt verify, for a known user or
// not: an unknown name is not told apart by the time it takes.
TEST(BasicAuth, UnknownUsersGoThroughOneVerifyToo) {
  const std::map<std::string, std::string> users = {{"prometheus", kHash}};
  std::vector<std::pair<std::string, std::string>> verified;  // (hash, password)
  const PasswordVerifier verify = [&](const std::string& hash, const std::string& password) {
    verified.emplace_back(hash, password);
    return PasswordMatches(hash, password);
  };
  EXPECT_TRUE(Authorized(users, "Basic cHJvbWV0aGV1czpVKlU=", verify));  // prometheus:U*U
  EXPECT_EQ(verified.size(), 1u);
  EXPECT_FALSE(Authorized(users, "Basic cHJvbWV0aGV1czpVKlY=", verify));  // prometheus:U*V
  EXPECT_EQ(verified.size(), 2u);
  // grafana:U*U: not a user, verified all the same (against a configured
  // hash, of the same cost) and refused although that password matches it.
  EXPECT_FALSE(Authorized(users, "Basic Z3JhZmFuYTpVKlU=", verify));
  ASSERT_EQ(verified.size(), 3u);
  EXPECT_EQ(verified[2].first, kHash);
  EXPECT_FALSE(Authorized(users, nullptr, verify));
  EXPECT_FALSE(Authorized(users, "Bearer x", verify));
  EXPECT_EQ(verified.size(), 3u);
}

TEST(PasswordMatches, ComparesTheWholeHash) {
  // Same cost and salt, another digest: crypt_r succeeds, the compare fails.
  std::string other = kHash;
  other.back() = other.back() == 'a' ? 'b' : 'a';
  EXPECT_FALSE(PasswordMatches(other, "U*U"));
}

TEST(WebConfig, SyntaxErrorsNameLineAndColumn) {
  EXPECT_EQ(ErrorOf("basic_auth_users:\n  prometheus: [unclosed\n"),
            "web.yml:3:1: a '[' opened before here is not closed with ']'");
  const std::string e = ErrorOf("tls_server_config:\n  cert_file: a\n key_file: b\n");
  EXPECT_EQ(e.rfind("web.yml:3:", 0), 0u) << e;
}

}  // namespace
}  // namespace zpull::exporter
