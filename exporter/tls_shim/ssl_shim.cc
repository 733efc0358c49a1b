// libssl.so for CivetWeb. Debian 12's CivetWeb 1.15 loads "libssl.so" and
// "libcrypto.so" with dlopen (files only libssl-dev ships) and looks up
// SSL_get_peer_certificate, which OpenSSL 3 no longer exports (it is a macro
// for SSL_get1_peer_certificate): the lookup fails and the first TLS
// connection calls a null pointer. This library is found first through the
// zpull binary's DT_RPATH; it depends on the real libssl.so.3, so dlsym()
// finds every other symbol there, and it adds the missing one.

#include <openssl/ssl.h>

#undef SSL_get_peer_certificate

extern "C" __attribute__((visibility("default"))) X509* SSL_get_peer_certificate(const SSL* ssl) {
  return SSL_get1_peer_certificate(ssl);
}
