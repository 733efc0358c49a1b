#include "exporter/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <zlib.h>

#include <atomic>
#include <future>
#include <thread>

#include "exporter/gzip.h"
#include "exporter/replication_metrics.h"
#include "exporter/version.h"

namespace zpull::exporter {
namespace {

struct Response {
  int status = 0;  // 0: no answer
  std::string head, body;
  bool complete = true;  // a chunked body ended with its last chunk
  int chunks = 0;        // of a chunked body, the last (empty) one apart
};

// `body` without its chunked transfer coding, counting its chunks; false if
// it ends before the last (empty) chunk.
bool Unchunk(std::string& body, int& chunks) {
  std::string out;
  std::size_t p = 0;
  for (;;) {
    const std::size_t eol = body.find("\r\n", p);
    if (eol == std::string::npos) break;
    const std::size_t n = std::stoul(body.substr(p, eol - p), nullptr, 16);
    if (n == 0) {
      body = out;
      return true;
    }
    ++chunks;
    if (eol + 2 + n > body.size()) break;
    out += body.substr(eol + 2, n);
    p = eol + 2 + n + 2;
  }
  body = out;
  return false;
}

std::string Gunzip(const std::string& in) {
  z_stream z{};
  inflateInit2(&z, 15 + 16);
  std::string out;
  char buf[65536];
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof buf - z.avail_out);
  }
  inflateEnd(&z);
  return rc == Z_STREAM_END ? out : "(not a whole gzip stream)";
}

// One request over a fresh connection, as a scraper does; gives up after
// 10 s. `extra` adds header lines.
Response Get(int port, const std::string& path, const std::string& extra = "", const char* method = "GET",
             const char* version = "HTTP/1.1") {
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
  const std::string request =
      std::string(method) + " " + path + " " + version + "\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + extra + "\r\n";
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
  r.head = raw.substr(0, head_end);
  r.body = raw.substr(head_end + 4);
  if (r.head.find("Transfer-Encoding: chunked") != std::string::npos) r.complete = Unchunk(r.body, r.chunks);
  return r;
}

// A gauge family named `name` with `samples` samples; writing first waits
// for `gate` if given.
class Named : public MetricSource {
 public:
  explicit Named(std::string name, std::shared_future<void> gate = {}, int samples = 1)
      : name_(std::move(name)), gate_(gate), samples_(samples) {}
  void WriteMetrics(MetricWriter& out) const override {
    ++collecting_;
    if (gate_.valid()) gate_.wait();
    out.Family(name_, "test", MetricType::kGauge);
    if (samples_ == 1) return out.Sample({}, 1);
    for (int i = 0; i < samples_; ++i) out.Sample({{"i", std::to_string(i)}}, i);
  }
  mutable std::atomic<int> collecting_{0};

 private:
  std::string name_;
  std::shared_future<void> gate_;
  int samples_;
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

// A metric source that throws after its first family, as a failing
// allocation would.
class Throwing : public MetricSource {
 public:
  void WriteMetrics(MetricWriter& out) const override {
    out.Family("zpull_first", "written", MetricType::kGauge);
    throw std::runtime_error("boom");
  }
};

// What a handler calls may throw: that request answers 500 (or, for
// /metrics, whose headers are out, ends without the last chunk, so the
// scraper fails rather than takes a partial page), the next is served, the
// process goes on.
TEST(HttpServer, AHandlerThatThrowsAnswers500) {
  auto server = HttpServer::Start("127.0.0.1:0", [] { return true; });
  ASSERT_TRUE(server) << server.error().message;
  (*server)->Serve({{std::make_shared<Throwing>()}, []() -> StatusReport { throw std::runtime_error("boom"); }});
  const int port = (*server)->Port();
  auto metrics = Get(port, "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_FALSE(metrics.complete) << metrics.body;
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
  // The cause, as the system says it (CivetWeb's log), not only that it failed.
  EXPECT_NE(second.error().message.find("already in use"), std::string::npos) << second.error().message;
}

// What a reload relies on: once Serve() returns, no request calls the
// previous site's status function any more (the daemon behind it may go).
TEST(HttpServer, ServeReturnsOnlyWhenNoRequestUsesThePreviousStatus) {
  auto server = HttpServer::Start("127.0.0.1:0", [] { return true; });
  ASSERT_TRUE(server);
  std::promise<void> open;
  std::shared_future<void> gate = open.get_future().share();
  std::atomic<int> asked{0};
  (*server)->Serve({{}, [&] {
                      ++asked;
                      gate.wait();
                      return Report();
                    }});
  auto request = std::async(std::launch::async, [&] { return Get((*server)->Port(), "/status"); });
  while (asked == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));

  std::atomic<bool> swapped{false};
  std::thread swapper([&] {
    (*server)->Serve({{std::make_shared<Named>("new_family")}, {}});
    swapped = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(swapped) << "Serve() returned while a request still called the previous status function";
  open.set_value();
  swapper.join();
  EXPECT_EQ(request.get().status, 200);
  EXPECT_NE(Get((*server)->Port(), "/metrics").body.find("new_family 1"), std::string::npos);
}

// A slow scrape (a slow or stalled client) holds no lock a reload needs: it
// ends with the metric sources it started with, whole.
TEST(HttpServer, AScrapeUnderWayDoesNotHoldAReload) {
  auto server = HttpServer::Start("127.0.0.1:0", [] { return true; });
  ASSERT_TRUE(server);
  std::promise<void> open;
  auto slow = std::make_shared<Named>("old_family", open.get_future().share());
  (*server)->Serve({{slow}, {}});
  auto scrape = std::async(std::launch::async, [&] { return Get((*server)->Port(), "/metrics"); });
  while (slow->collecting_ == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  (*server)->Serve({{std::make_shared<Named>("new_family")}, {}});  // returns at once
  EXPECT_NE(Get((*server)->Port(), "/metrics").body.find("new_family 1"), std::string::npos);
  open.set_value();
  auto old_answer = scrape.get();
  EXPECT_EQ(old_answer.status, 200);
  EXPECT_TRUE(old_answer.complete);
  EXPECT_EQ(old_answer.body, "# HELP old_family test\n# TYPE old_family gauge\nold_family 1\n");
}

// A page larger than the writer's buffer arrives whole, in chunks; gzip
// when the scraper asks (as Prometheus does), plain otherwise; HEAD gets
// the headers alone.
TEST(HttpServer, MetricsStreamInChunksAndGzipWhenAsked) {
  auto server = HttpServer::Start("127.0.0.1:0", [] { return true; });
  ASSERT_TRUE(server);
  auto big = std::make_shared<Named>("zpull_big", std::shared_future<void>{}, 50000);
  (*server)->Serve({{big}, {}});
  const std::string expected = RenderMetrics(*big);
  ASSERT_GT(expected.size(), 4 * MetricWriter::kFlushBytes);
  const int port = (*server)->Port();

  auto plain = Get(port, "/metrics");
  EXPECT_EQ(plain.status, 200);
  EXPECT_TRUE(plain.complete);
  EXPECT_GT(plain.chunks, 4);
  EXPECT_EQ(plain.head.find("Content-Encoding"), std::string::npos) << plain.head;
  EXPECT_EQ(plain.body, expected);

  // HTTP/1.0 has no chunks: the body is the page, ended by the close.
  auto old = Get(port, "/metrics", "", "GET", "HTTP/1.0");
  EXPECT_EQ(old.status, 200);
  EXPECT_EQ(old.head.find("Transfer-Encoding"), std::string::npos) << old.head;
  EXPECT_EQ(old.body, expected);

  auto zipped = Get(port, "/metrics", "Accept-Encoding: gzip\r\n");
  EXPECT_NE(zipped.head.find("Content-Encoding: gzip"), std::string::npos) << zipped.head;
  EXPECT_TRUE(zipped.complete);
  EXPECT_LT(zipped.body.size(), expected.size() / 4);
  EXPECT_EQ(Gunzip(zipped.body), expected);

  auto refused = Get(port, "/metrics", "Accept-Encoding: gzip;q=0, identity\r\n");
  EXPECT_EQ(refused.head.find("Content-Encoding"), std::string::npos) << refused.head;
  EXPECT_EQ(refused.body, expected);

  auto head = Get(port, "/metrics", "", "HEAD");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
}

// Writes up to `limit` samples, counting them; `done` once it returns or
// throws (its sink failed: the client left).
class Endless : public MetricSource {
 public:
  void WriteMetrics(MetricWriter& out) const override {
    struct Done {
      std::atomic<bool>& done;
      ~Done() { done = true; }
    } mark{done};
    out.Family("zpull_endless", "test", MetricType::kGauge);
    for (; written < kLimit; ++written) out.Sample({{"dataset", "tank/some/dataset/name"}}, double(written));
  }
  static constexpr int kLimit = 20'000'000;
  mutable std::atomic<int> written{0};
  mutable std::atomic<bool> done{false};
};

// A scraper that leaves: the scrape stops writing soon after, rather than
// rendering (and compressing) the whole page for nobody.
TEST(HttpServer, AScrapeStopsWritingWhenItsClientLeaves) {
  auto server = HttpServer::Start("127.0.0.1:0", [] { return true; });
  ASSERT_TRUE(server);
  auto endless = std::make_shared<Endless>();
  (*server)->Serve({{endless}, {}});
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>((*server)->Port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const std::string request = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  ASSERT_EQ(::write(fd, request.data(), request.size()), static_cast<ssize_t>(request.size()));
  char buf[4096];
  ASSERT_GT(::read(fd, buf, sizeof buf), 0);  // the headers, perhaps a first chunk
  ::close(fd);
  for (int i = 0; i < 3000 && !endless->done; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_TRUE(endless->done) << "still writing 30 s after the client left";
  EXPECT_LT(endless->written, Endless::kLimit / 2);
}

TEST(AcceptsGzip, ReadsTheHeaderAsHttpDefinesIt) {
  EXPECT_TRUE(AcceptsGzip("gzip"));
  EXPECT_TRUE(AcceptsGzip("deflate, gzip;q=0.5"));
  EXPECT_TRUE(AcceptsGzip("*"));
  EXPECT_TRUE(AcceptsGzip("identity, x-gzip"));
  EXPECT_FALSE(AcceptsGzip(""));
  EXPECT_FALSE(AcceptsGzip("identity"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("br, gzipped"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0, *"));  // named with q=0: not by way of *
  EXPECT_TRUE(AcceptsGzip("GZIP"));
  EXPECT_FALSE(AcceptsGzip("gzip; level=1; Q=0"));
  EXPECT_TRUE(AcceptsGzip("gzip; level=1; q=0.1"));
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
