#include "daemon/notifier.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

namespace zpull::daemon {
namespace {

using Status = NotifyEvent::Status;

TEST(FailureStreak, FailingAfterNThenRecoveredOnce) {
  FailureStreak s;
  EXPECT_FALSE(s.Record(false, 2, 100));
  EXPECT_EQ(s.Record(false, 2, 200), Status::kFailing);
  EXPECT_EQ(s.first_failure(), 100);
  EXPECT_FALSE(s.Record(false, 2, 300)) << "told once";
  EXPECT_EQ(s.consecutive(), 3);
  EXPECT_EQ(s.Record(true, 2, 400), Status::kRecovered);
  EXPECT_FALSE(s.Record(true, 2, 500));
  EXPECT_FALSE(s.Record(false, 2, 600)) << "a new streak starts";
  EXPECT_FALSE(s.Record(true, 2, 700)) << "nothing told, nothing to recover";
}

TEST(Notifier, JsonAndPingUrls) {
  NotifyEvent e{Status::kFailing, "https://h/x", "backup/a", "web1:tank/a", "network", "cannot connect\x1b", 3, 10, 20};
  auto j = nlohmann::json::parse(WebhookJson(e, "backup1"));
  EXPECT_EQ(j["version"], 1);
  EXPECT_EQ(j["status"], "failing");
  EXPECT_EQ(j["host"], "backup1");
  EXPECT_EQ(j["dataset"], "backup/a");
  EXPECT_EQ(j["reason"], "network");
  EXPECT_EQ(j["message"], "cannot connect\\x1b");
  EXPECT_EQ(j["consecutive_failures"], 3);
  EXPECT_EQ(j["first_failure"], 10);
  EXPECT_NE(j["remedy_url"].get<std::string>().find("failure-reasons"), std::string::npos);
  EXPECT_EQ(PingUrl("https://hc/uuid", true), "https://hc/uuid");
  EXPECT_EQ(PingUrl("https://hc/uuid/", false), "https://hc/uuid/fail");
  EXPECT_EQ(PingUrl("https://hc/uuid?k=v", false), "https://hc/uuid/fail?k=v");
  EXPECT_EQ(core::UrlHost("https://user:pw@hooks.example.com:8443/T0KEN?x=1"), "hooks.example.com");
  EXPECT_EQ(core::UrlHost("http://[::1]:9/x"), "[::1]");
}

config::Config OneDataset(int after_failures) {
  config::Config c;
  c.sources.push_back(config::SourceConfig{.name = "web1"});
  c.datasets.push_back(config::DatasetConfig{.source = "web1",
                                             .source_dataset = *core::DatasetName::Parse("tank/a"),
                                             .destination = *core::DatasetName::Parse("backup/a")});
  c.notify.webhooks = {{"https://hooks.example/T0KEN", after_failures}};
  c.notify.timeout_seconds = 1;
  return c;
}

replicate::CycleOutcome Failed() {
  replicate::CycleOutcome o;
  o.error = core::Error{core::Reason::kNetwork, "cut"};
  return o;
}

// Waits up to 5 s for `pred`.
template <class P>
bool Eventually(P pred) {
  for (int i = 0; i < 500 && !pred(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return pred();
}

// A receiver that records what it got; the first `failures` attempts fail.
struct Receiver {
  std::mutex mu;
  std::vector<std::string> statuses;
  std::atomic<int> calls{0};
  int failures = 0;
  Notifier::Send Send() {
    return [this](const core::HttpRequest& r) -> core::Result<long> {
      if (calls++ < failures) return core::Fail(core::Reason::kNetwork, "host hooks.example: refused");
      std::lock_guard lock(mu);
      statuses.push_back(nlohmann::json::parse(r.body)["status"]);
      return 200;
    };
  }
  std::size_t Count() {
    std::lock_guard lock(mu);
    return statuses.size();
  }
};

TEST(Notifier, FailingIsRetriedThenRecoveredFollows) {
  std::atomic<std::int64_t> now{1000};
  Receiver rx;
  rx.failures = 1;
  Notifier n(core::Log(nullptr, core::LogFormat::kText), [&] { return now.load(); }, "backup1", rx.Send());
  const auto c = OneDataset(2);
  n.Configure(c);
  n.OnCycle(c.datasets[0], Failed());
  EXPECT_EQ(rx.calls, 0) << "one failure of two: nothing yet";
  n.OnCycle(c.datasets[0], Failed());
  ASSERT_TRUE(Eventually([&] { return rx.calls == 1; })) << "the first attempt";
  ASSERT_TRUE(Eventually([&] {
    now += 1;  // past the backoff, however late the attempt's clock was read
    return rx.Count() == 1;
  })) << "retried";
  n.OnCycle(c.datasets[0], replicate::CycleOutcome{});
  ASSERT_TRUE(Eventually([&] { return rx.Count() == 2; }));
  EXPECT_EQ(rx.statuses, (std::vector<std::string>{"failing", "recovered"}));
  exporter::MetricWriter w;
  n.WriteMetrics(w);
  EXPECT_NE(w.Text().find("zpull_notifications_sent_total{kind=\"webhook\"} 2"), std::string::npos) << w.Text();
  EXPECT_NE(w.Text().find("zpull_notification_failures_total{kind=\"webhook\"} 1"), std::string::npos) << w.Text();
  const auto last = n.LastDeliveries();
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(last[0].target, "hooks.example") << "the host only, never the token";
  EXPECT_TRUE(last[0].ok);
}

TEST(Notifier, ARecoveryBeforeTheFailingWasDeliveredWithdrawsBoth) {
  std::atomic<std::int64_t> now{1000};
  Receiver rx;
  rx.failures = 1000;
  Notifier n(core::Log(nullptr, core::LogFormat::kText), [&] { return now.load(); }, "backup1", rx.Send());
  const auto c = OneDataset(1);
  n.Configure(c);
  n.OnCycle(c.datasets[0], Failed());
  ASSERT_TRUE(Eventually([&] { return rx.calls == 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // back in the queue, backing off
  n.OnCycle(c.datasets[0], replicate::CycleOutcome{});
  now += 1000;
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(rx.calls, 1) << "nothing left to send";
}

TEST(Notifier, TheHealthcheckPingsUrlOrFail) {
  std::atomic<std::int64_t> now{1000};
  std::mutex mu;
  std::vector<std::string> urls;
  std::atomic<bool> healthy{true};  // (outlives the notifier's thread)
  Notifier n(core::Log(nullptr, core::LogFormat::kText), [&] { return now.load(); }, "backup1",
             [&](const core::HttpRequest& r) -> core::Result<long> {
               std::lock_guard lock(mu);
               urls.push_back(r.url);
               return 200;
             });
  n.SetHealth([&]() -> std::optional<bool> { return healthy.load(); });
  auto c = OneDataset(1);
  c.notify.healthcheck_url = "https://hc.example/uuid";
  c.notify.healthcheck_interval_seconds = 60;
  n.Configure(c);
  auto count = [&] {
    std::lock_guard lock(mu);
    return urls.size();
  };
  ASSERT_TRUE(Eventually([&] { return count() == 1; }));
  healthy = false;
  now += 60;
  ASSERT_TRUE(Eventually([&] { return count() == 2; }));
  std::lock_guard lock(mu);
  EXPECT_EQ(urls, (std::vector<std::string>{"https://hc.example/uuid", "https://hc.example/uuid/fail"}));
}

}  // namespace
}  // namespace zpull::daemon
