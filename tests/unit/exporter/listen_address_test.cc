#include "exporter/listen_address.h"

#include <gtest/gtest.h>

namespace zpull::exporter {
namespace {

// The forms the ecosystem writes, and what CivetWeb is given for each.
TEST(ListenAddress, ReadsTheEcosystemsForms) {
  struct Case {
    const char* text;
    const char* civet;
    bool bare;
  };
  for (const Case& c : {Case{":9795", "9795", false}, Case{"9794", "9794", true},
                        Case{"127.0.0.1:9720", "127.0.0.1:9720", false}, Case{"0.0.0.0:9720", "0.0.0.0:9720", false},
                        Case{"backup1.example.org:80", "backup1.example.org:80", false},
                        Case{"[::1]:9720", "[::1]:9720", false}, Case{"[::]:0", "[::]:0", false}}) {
    auto a = ParseListenAddress(c.text);
    ASSERT_TRUE(a) << c.text << ": " << a.error().message;
    EXPECT_EQ(CivetPorts(*a), c.civet) << c.text;
    EXPECT_EQ(a->bare_port, c.bare) << c.text;
  }
}

// A wrong one is refused naming it and the forms that work.
TEST(ListenAddress, RefusesOthersNamingThem) {
  for (const char* text : {"", ":", "localhost", ":http", "127.0.0.1:65536", "::1:9720", "[::1:9720", "a b:9720",
                           "host;rm:9720", "9720:"}) {
    auto a = ParseListenAddress(text);
    ASSERT_FALSE(a) << text;
    EXPECT_EQ(a.error().reason, core::Reason::kConfig);
    EXPECT_NE(a.error().message.find("listen address '" + std::string(text) + "'"), std::string::npos)
        << a.error().message;
    EXPECT_NE(a.error().message.find(":PORT"), std::string::npos) << a.error().message;
  }
}

// A URL a browser can open: every interface as the host's name, IPv6 in
// brackets, the port bound.
TEST(ListenAddress, BrowserUrls) {
  EXPECT_EQ(BrowserUrl(*ParseListenAddress("9794"), 9794, false, "backup1", "/metrics"), "http://backup1:9794/metrics");
  EXPECT_EQ(BrowserUrl(*ParseListenAddress(":9795"), 9795, true, "backup1", "/"), "https://backup1:9795/");
  EXPECT_EQ(BrowserUrl(*ParseListenAddress("0.0.0.0:9720"), 9720, false, "", "/"), "http://localhost:9720/");
  EXPECT_EQ(BrowserUrl(*ParseListenAddress("[::]:9720"), 9720, false, "b1", "/"), "http://b1:9720/");
  EXPECT_EQ(BrowserUrl(*ParseListenAddress("127.0.0.1:0"), 40123, false, "b1", "/metrics"),
            "http://127.0.0.1:40123/metrics");
  EXPECT_EQ(BrowserUrl(*ParseListenAddress("[::1]:9720"), 9720, false, "b1", "/"), "http://[::1]:9720/");
}

}  // namespace
}  // namespace zpull::exporter
