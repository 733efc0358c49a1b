// libcrypto.so for CivetWeb: nothing of its own, a dependency on the real
// libcrypto.so.3 (see ssl_shim.cc), so that dlopen("libcrypto.so") works
// without libssl-dev.
extern "C" int zpull_crypto_shim() { return 0; }
