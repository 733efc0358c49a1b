#include "exporter/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <prometheus/family.h>

#include <atomic>
#include <future>
#include <thread>

#include "exporter/replication_metrics.h"
#include "exporter/version.h"

namespace zpull::exporter {
namespace {

struct Response {
  int status = 0;  // 0: no answer
  std::string body;
};

// One GET over a fresh connection, as a scraper does; gives up after 10 s.
Response Get(int port, const std::string& path) {
  Response r;
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return r;
  timeval timeout{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return r;
  }
  const std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  if (::write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
    ::close(fd);
    return r;
  }
  std::string raw;
  char buf[65536];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) raw.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  const auto head_end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.1 ", 0) != 0 || head_end == std::string::npos) return r;
  r.status = std::stoi(raw.substr(9, 3));
  r.body = raw.substr(head_end + 4);
  return r;
}

// A gauge family named `name`; Collect() first waits for `gate` if given.
class Named : public prometheus::Collectable {
 public:
  explicit Named(std::string name, std::shared_future<void> gate = {}) : name_(std::move(name)), gate_(gate) {}
  std::vector<prometheus::MetricFamily> Collect() const override {
    ++collecting_;
    if (gate_.valid()) gate_.wait();
    prometheus::ClientMetric m;
    m.gauge.value = 1;
    return {{name_, "test", prometheus::MetricType::Gauge, {m}}};
  }
  mutable std::atomic<int> collecting_{0};

 private:
  std::string name_;
  std::shared_future<void> gate_;
};

StatusReport Report() {
  StatusReport r;
  r.now = 1;
  r.version = "test";
  return r;
}

TEST(HttpServer, ServesMetricsHealthAndStatusOverHttp) {
  bool healthy = true;
  auto server = HttpServer::Start("127.0.0.1:0", [&] { return healthy; });
  ASSERT_TRUE(server) << server.error().message;
  const int port = (*server)->Port();
  ASSERT_GT(port, 0);
  // Nothing served yet: an empty exposition, and no status.
  EXPECT_EQ(Get(port, "/metrics").status, 200);
  EXPECT_EQ(Get(port, "/metrics").body, "");
  EXPECT_EQ(Get(port, "/status").status, 503);

  auto m = std::make_shared<ReplicationMetrics>(std::vector<std::string>{"b/x"}, [] { return std::int64_t{1}; });
  (*server)->Serve({{m, std::make_shared<BuildInfo>("1.2.3", "abc")}, Report});
  auto metrics = Get(port, "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("zpull_build_info{version=\"1.2.3\",revision=\"abc\"} 1\n"), std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("zpull_replication_runs_total{dataset=\"b/x\"} 0\n"), std::string::npos);
  auto status = Get(port, "/status");
  EXPECT_EQ(status.status, 200);
  EXPECT_EQ(status.body, StatusJson(Report()));
  EXPECT_EQ(Get(port, "/healthz").status, 200);
  healthy = false;
  EXPECT_EQ(Get(port, "/healthz").status, 503);
  EXPECT_EQ(Get(port, "/nowhere").status, 404);
}

// A collectable that throws, as a failing allocation would.
class Throwing : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override { throw std::runtime_error("boom"); }
};

// What a handler calls may throw: that request answers 500, the next is
// served, the process goes on.
TEST(HttpServer, AHandlerThatThrowsAnswers500) {
  auto server = HttpServer::Start("127.0.0.1:0", [] { return true; });
  ASSERT_TRUE(server) << server.error().message;
  (*server)->Serve({{std::make_shared<Throwing>()}, []() -> StatusReport { throw std::runtime_error("boom"); }});
  const int port = (*server)->Port();
  EXPECT_EQ(Get(port, "/metrics").status, 500);
  EXPECT_EQ(Get(port, "/status").status, 500);
  EXPECT_EQ(Get(port, "/").status, 500);
  EXPECT_EQ(Get(port, "/healthz").status, 200);
}

TEST(HttpServer, ListenErrorNamesTheAddress) {
  auto first = HttpServer::Start("127.0.0.1:0", [] { return true; });
  ASSERT_TRUE(first);
  const std::string taken = "127.0.0.1:" + std::to_string((*first)->Port());
  auto second = HttpServer::Start(taken, [] { return true; });
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message.find("cannot listen on " + taken), std::string::npos) << second.error().message;
}

// What a reload relies on: once Serve() returns, no request uses the
// previous site any more (the daemon behind its status source may go).
TEST(HttpServer, ServeReturnsOnlyWhenNoRequestUsesThePreviousSite) {
  auto server = HttpServer::Start("127.0.0.1:0", [] { return true; });
  ASSERT_TRUE(server);
  std::promise<void> open;
  auto slow = std::make_shared<Named>("old_family", open.get_future().share());
  (*server)->Serve({{slow}, {}});
  auto scrape = std::async(std::launch::async, [&] { return Get((*server)->Port(), "/metrics"); });
  while (slow->collecting_ == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));

  std::atomic<bool> swapped{false};
  std::thread swapper([&] {
    (*server)->Serve({{std::make_shared<Named>("new_family")}, {}});
    swapped = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(swapped) << "Serve() returned while a request still rendered the previous site";
  open.set_value();
  swapper.join();
  auto old_answer = scrape.get();
  EXPECT_EQ(old_answer.status, 200);
  EXPECT_NE(old_answer.body.find("old_family 1"), std::string::npos) << old_answer.body;
  EXPECT_NE(Get((*server)->Port(), "/metrics").body.find("new_family 1"), std::string::npos);
}

// Scrapes while sites are swapped (as reloads do) are all answered, each
// with one whole site.
TEST(HttpServer, EveryScrapeIsAnsweredWhileSitesAreSwapped) {
  auto server = HttpServer::Start("127.0.0.1:0", [] { return true; });
  ASSERT_TRUE(server);
  const Site a{{std::make_shared<Named>("site_a")}, Report};
  const Site b{{std::make_shared<Named>("site_b")}, {}};
  (*server)->Serve(a);
  std::atomic<bool> done{false};
  std::thread swapper([&] {
    for (int i = 0; !done; ++i) (*server)->Serve(i % 2 ? a : b);
  });
  int answered = 0;
  for (int i = 0; i < 300; ++i) {
    auto r = Get((*server)->Port(), i % 3 ? "/metrics" : "/status");
    if (i % 3) {
      EXPECT_EQ(r.status, 200) << "scrape " << i;
      const bool one_site = r.body == "# HELP site_a test\n# TYPE site_a gauge\nsite_a 1\n" ||
                            r.body == "# HELP site_b test\n# TYPE site_b gauge\nsite_b 1\n";
      EXPECT_TRUE(one_site) << r.body;
    } else {
      EXPECT_TRUE(r.status == 200 || r.status == 503) << "status request " << i << ": " << r.status;
    }
    answered += r.status != 0;
  }
  done = true;
  swapper.join();
  EXPECT_EQ(answered, 300);
}

}  // namespace
}  // namespace zpull::exporter
