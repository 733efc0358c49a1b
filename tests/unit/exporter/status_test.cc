#include "exporter/status.h"

#include "exporter/status_page.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace zpull::exporter {
namespace {

StatusReport Sample() {
  StatusReport r;
  r.now = 10000;
  r.version = "1.2.3";
  r.host = "backup1";
  DatasetStatus ok{.dataset = "backup/a", .source = "web1:tank/a", .state = "idle"};
  ok.lag_seconds = 125;
  ok.interval_seconds = 900;
  ok.next_run = 10600;
  ok.last_success = 9990;
  ok.parity = ParityStatus{.not_replicated = 1};
  ok.last_result = "ok";
  ok.drill_outcome = "ok";
  ok.drill_last_success = 6400;
  DatasetStatus run{.dataset = "backup/<b>", .source = "web1:tank/b", .state = "running"};
  run.last_result = "failed";
  run.last_reason = "network";
  run.last_message = "source web1: cannot connect: Connection refused";
  run.remedy = "check that the source is up";
  run.bytes = 512 * 1024 * 1024;
  run.expected_bytes = 1024ull * 1024 * 1024;
  run.bytes_per_second = 64.0 * 1024 * 1024;
  run.eta_seconds = 8;
  r.datasets = {ok, run};
  r.pools = {{"local", "backup", "ONLINE", true, 0.5, 9000, 0, 0}};
  r.pools[0].size_bytes = 1000;
  r.pools[0].allocated_bytes = 400;
  return r;
}

TEST(Status, RateAndEta) {
  EXPECT_EQ(TransferRate(1000, 10), 100.0);
  EXPECT_FALSE(TransferRate(1000, 0));
  EXPECT_FALSE(TransferRate(0, 10));
  EXPECT_EQ(TransferEta(400, 1000, 100.0), 6.0);
  EXPECT_EQ(TransferEta(1200, 1000, 100.0), 0.0);  // the estimate was low
  EXPECT_FALSE(TransferEta(400, std::nullopt, 100.0));
}

TEST(Status, HumanUnits) {
  EXPECT_EQ(HumanDuration(42), "42s");
  EXPECT_EQ(HumanDuration(3725), "1h02m");
  EXPECT_EQ(HumanDuration(125), "2m05s");
  EXPECT_EQ(HumanDuration(90000), "1d01h");
  EXPECT_EQ(HumanDuration(std::nullopt), "-");
  EXPECT_EQ(HumanBytes(812), "812 B");
  EXPECT_EQ(HumanBytes(1.5 * 1024 * 1024 * 1024), "1.5 GiB");
}

TEST(Status, TableHasOneRowPerDatasetAndPool) {
  const std::string t = StatusTable(Sample());
  EXPECT_NE(t.find("DATASET     STATE    LAG    LAST SUCCESS  LAST RESULT       TRANSFER"), std::string::npos) << t;
  EXPECT_NE(t.find("backup/a    idle     2m05s  10s ago       ok "), std::string::npos) << t;
  EXPECT_NE(t.find("failed (network)  512.0 MiB / 1.0 GiB 50% at 64.0 MiB/s, ETA 8s"), std::string::npos) << t;
  EXPECT_NE(t.find("ok, passed 1h00m ago"), std::string::npos) << t;
  EXPECT_NE(t.find("backup  local  ONLINE  scrubbing 50%"), std::string::npos) << t;
}

TEST(Status, HtmlEscapesAndDrawsProgress) {
  const std::string h = StatusHtml(Sample());
  EXPECT_NE(h.find("data-dataset=\"backup/&lt;b&gt;\"><h3>backup/&lt;b&gt;</h3>"), std::string::npos) << h;
  EXPECT_EQ(h.find("backup/<b>"), std::string::npos);
  EXPECT_NE(h.find("<progress max=\"1073741824\" value=\"536870912\"></progress>"), std::string::npos) << h;
  EXPECT_NE(h.find("<dd class=\"result failed\">failed (network)<span class=\"message\">source web1: cannot connect: "
                   "Connection refused</span><span class=\"remedy\">Fix: check that the source is up</span>"),
            std::string::npos)
      << h;
  EXPECT_NE(h.find("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"), std::string::npos);
  EXPECT_NE(h.find("<h1>zpull on <span class=\"host\">backup1</span></h1>"), std::string::npos);
  EXPECT_NE(h.find("<dd class=\"lag\">2m05s (interval 15m00s)</dd>"), std::string::npos) << h;
  EXPECT_NE(h.find("<dd class=\"next-run\">in 10m00s</dd>"), std::string::npos) << h;
  EXPECT_NE(h.find("<dd class=\"parity\">1 not replicated yet</dd>"), std::string::npos) << h;
  EXPECT_NE(h.find("<dd class=\"capacity\">40% of 1000 B (600 B free)</dd>"), std::string::npos) << h;
}

TEST(Status, ARunningCycleBeforeItsFirstByteSaysSo) {
  StatusReport r = Sample();
  r.datasets[1].bytes = 0;
  EXPECT_NE(StatusHtml(r).find("<dd class=\"transfer\">starting (no data yet)</dd>"), std::string::npos);
}

TEST(Status, TheVerdictNamesWhatNeedsAttention) {
  StatusReport r = Sample();
  Verdict v = Judge(r);
  ASSERT_EQ(v.attention.size(), 1u);
  EXPECT_EQ(v.attention[0].what, "backup/<b>");
  EXPECT_EQ(v.attention[0].why, "failing: network");
  EXPECT_EQ(v.datasets_healthy, 1u);
  EXPECT_EQ(v.pools_healthy, 1u);
  EXPECT_EQ(v.Headline(), "1 needs attention: backup/<b> (failing: network)");
  const std::string h = StatusHtml(r);
  EXPECT_NE(h.find("<section id=\"verdict\" class=\"verdict attention\"><strong class=\"headline\">1 needs attention"
                   "</strong><ul><li>backup/&lt;b&gt;: failing: network</li></ul>"),
            std::string::npos)
      << h;

  r.datasets.pop_back();
  EXPECT_EQ(Judge(r).Headline(), "1 dataset and 1 pool healthy");
  // A lag past twice the interval, holes, a failed drill, a never-replicated dataset, a pool's troubles.
  r.datasets[0].lag_seconds = 2 * 900 + 301;
  r.datasets[0].parity = ParityStatus{.holes = 2};
  r.datasets[0].drill_outcome = "mismatch";
  DatasetStatus fresh{.dataset = "backup/new", .source = "web1:tank/new", .state = "idle"};
  r.datasets.push_back(fresh);
  r.pools[0].health = "DEGRADED";
  r.pools[0].vdev_errors = 3;
  r.pools[0].allocated_bytes = 900;
  v = Judge(r);
  ASSERT_EQ(v.attention.size(), 3u);
  EXPECT_EQ(v.attention[0].why, "lag 35m01s (interval 15m00s), parity: 2 holes, drill mismatch");
  EXPECT_EQ(v.attention[1].why, "never replicated");
  EXPECT_EQ(v.attention[2].what, "pool backup on local");
  EXPECT_EQ(v.attention[2].why, "DEGRADED, 3 vdev errors, 90% full");
  r.datasets[1].state = "paused";
  EXPECT_EQ(Judge(r).datasets_paused, 1u);
}

// Text a source wrote (its zpool status, its errors) in every rendering:
// no exception, valid UTF-8, no control character raw.
TEST(Status, HostileTextIsRenderedSafely) {
  StatusReport r = Sample();
  const std::string evil = "ONLINE\xff\x1b[31m\xc2\x9b<x>";
  r.pools[0].health = evil;
  r.datasets[1].last_reason = evil;
  std::string json;
  ASSERT_NO_THROW(json = StatusJson(r));
  const auto j = nlohmann::json::parse(json);  // throws on invalid UTF-8
  EXPECT_EQ(j["pools"][0]["health"], "ONLINE\xef\xbf\xbd\\x1b[31m\\u009b<x>");  // what jq -r prints
  EXPECT_EQ(json.find('\x1b'), std::string::npos);
  EXPECT_EQ(json.find("\xc2\x9b"), std::string::npos);
  for (const std::string& text : {StatusHtml(r), StatusTable(r)}) {
    EXPECT_EQ(text.find('\x1b'), std::string::npos) << text;
    EXPECT_EQ(text.find('\xff'), std::string::npos) << text;
    EXPECT_EQ(text.find("\xc2\x9b"), std::string::npos) << text;
    EXPECT_NE(text.find("ONLINE\xef\xbf\xbd\\x1b[31m\\u009b"), std::string::npos) << text;
  }
  EXPECT_EQ(StatusHtml(r).find("<x>"), std::string::npos);
}

TEST(Status, JsonCarriesEveryField) {
  auto j = nlohmann::json::parse(StatusJson(Sample()));
  EXPECT_EQ(j["version"], "1.2.3");
  EXPECT_EQ(j["schema_version"], 2);
  EXPECT_EQ(j["host"], "backup1");
  EXPECT_EQ(j["verdict"]["healthy"], false);
  EXPECT_EQ(j["verdict"]["attention"][0]["why"], "failing: network");
  EXPECT_EQ(j["datasets"][0]["interval_seconds"], 900);
  EXPECT_EQ(j["datasets"][0]["next_run"], 10600);
  EXPECT_EQ(j["datasets"][0]["parity"]["not_replicated"], 1);
  EXPECT_TRUE(j["datasets"][1]["parity"].is_null());
  EXPECT_EQ(j["datasets"][1]["last_message"], "source web1: cannot connect: Connection refused");
  EXPECT_EQ(j["datasets"][1]["remedy_url"], kFailureReasonsUrl);
  EXPECT_EQ(j["pools"][0]["size_bytes"], 1000);
  EXPECT_EQ(j["datasets"][0]["lag_seconds"], 125);
  EXPECT_TRUE(j["datasets"][0]["expected_bytes"].is_null());
  EXPECT_EQ(j["datasets"][1]["last_reason"], "network");
  EXPECT_EQ(j["datasets"][1]["eta_seconds"], 8.0);
  EXPECT_EQ(j["pools"][0]["scrub_progress"], 0.5);
}

}  // namespace
}  // namespace zpull::exporter
