#pragma once
// Notifications without Alertmanager (docs/notifications.md): a webhook
// POST when a dataset has failed `after_failures` cycles in a row and when
// it recovers, and a healthchecks.io-style dead-man ping (URL while every
// dataset is fine, URL/fail otherwise; silence means zpull or its host is
// gone). Deliveries run on the notifier's own thread, one at a time, each
// bounded by the configured timeout, retried with backoff: a cycle only
// queues (never waits on a receiver). URLs may hold tokens: logs, metrics
// and the status page name the host only.
//
// Thread-safe: OnCycle, SetHealth, Configure and the readers may be called
// from any thread; mu_ guards the state below it.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "config/config.h"
#include "core/http_client.h"
#include "core/log.h"
#include "exporter/metric_text.h"
#include "exporter/status.h"
#include "replicate/cycle.h"

namespace zpull::daemon {

struct NotifyEvent {
  enum class Status { kFailing, kRecovered } status = Status::kFailing;
  std::string url;  // the webhook
  std::string dataset, source, reason, message;
  int consecutive_failures = 0;
  std::int64_t first_failure = 0, time = 0;
};

// One dataset's run of failed cycles as one webhook sees it. Pure.
class FailureStreak {
 public:
  // After a cycle: kFailing when this failure is the `after_failures`-th in
  // a row, kRecovered at the first success after a kFailing; else nothing.
  std::optional<NotifyEvent::Status> Record(bool ok, int after_failures, std::int64_t now);
  int consecutive() const { return consecutive_; }
  std::int64_t first_failure() const { return first_failure_; }

 private:
  int consecutive_ = 0;
  std::int64_t first_failure_ = 0;
  bool failing_told_ = false;
};

// The webhook's JSON body, schema version 1 (docs/notifications.md).
std::string WebhookJson(const NotifyEvent& e, const std::string& host);
// What the dead-man ping requests: `base`, or `base`/fail.
std::string PingUrl(const std::string& base, bool healthy);

class Notifier : public exporter::MetricSource {
 public:
  using Send = std::function<core::Result<long>(const core::HttpRequest&)>;
  // Queued events at most; further failing events are dropped (counted),
  // recovered ones always queue.
  static constexpr std::size_t kMaxQueue = 1000;

  Notifier(core::Log log, std::function<std::int64_t()> now, std::string host, Send send = core::HttpSend);
  ~Notifier() override;  // stops the thread (an undelivered event is lost)
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // The configuration's notify: block and each dataset's webhooks; keeps
  // the streaks of datasets still configured (across reloads).
  void Configure(const config::Config& config);
  // After each cycle of `dataset`.
  void OnCycle(const config::DatasetConfig& dataset, const replicate::CycleOutcome& outcome);
  // Whether every dataset is fine now (nullopt: not known yet), asked
  // before each ping; without one, no ping is sent. Never called after
  // SetHealth returned with another: its owner may go.
  void SetHealth(std::function<std::optional<bool>()> healthy);

  void WriteMetrics(exporter::MetricWriter& out) const override;
  // The last delivery to each target (webhook hosts, the ping's host).
  std::vector<exporter::NotificationStatus> LastDeliveries() const;

 private:
  struct Pending {
    NotifyEvent event;
    int attempts = 0;
    std::int64_t next_attempt = 0;
  };
  void Run(std::stop_token stop);
  void Deliver(Pending& p, bool& done);
  void Ping();
  void Record(const std::string& kind, const std::string& url, const core::Result<long>& r);

  const core::Log log_;
  const std::function<std::int64_t()> now_;
  const std::string host_;
  const Send send_;
  mutable std::mutex mu_;
  std::condition_variable_any cv_;
  config::NotifyConfig config_;                                  // guarded by mu_
  std::map<std::string, std::vector<config::WebhookConfig>> webhooks_;  // by dataset; guarded by mu_
  std::map<std::pair<std::string, std::string>, FailureStreak> streaks_;  // (dataset, url); guarded by mu_
  std::deque<Pending> queue_;                                    // guarded by mu_

  std::int64_t next_ping_ = 0;                                   // guarded by mu_
  std::map<std::string, std::uint64_t> sent_, failures_;         // by kind; guarded by mu_
  std::map<std::pair<std::string, std::string>, exporter::NotificationStatus> last_;  // (kind, URL); guarded by mu_
  std::mutex health_mu_;
  std::function<std::optional<bool>()> healthy_;  // guarded by health_mu_ (held while it runs)
  std::jthread thread_;  // last: started when the rest exists
};

}  // namespace zpull::daemon
