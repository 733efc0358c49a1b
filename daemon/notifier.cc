#include "daemon/notifier.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>

#include "core/reason.h"
#include "core/safe_text.h"
#include "exporter/status.h"

namespace zpull::daemon {
namespace {

// Failing events are retried this many times, recovered ones until sent.
constexpr int kFailingAttempts = 8;
constexpr std::int64_t kMaxBackoff = 300;

std::int64_t Backoff(int attempts) { return std::min<std::int64_t>(kMaxBackoff, std::int64_t{1} << std::min(attempts, 9)); }

}  // namespace

std::optional<NotifyEvent::Status> FailureStreak::Record(bool ok, int after_failures, std::int64_t now) {
  if (ok) {
    const bool told = failing_told_;
    consecutive_ = 0;
    first_failure_ = 0;
    failing_told_ = false;
    if (told) return NotifyEvent::Status::kRecovered;
    return std::nullopt;
  }
  if (consecutive_++ == 0) first_failure_ = now;
  if (!failing_told_ && consecutive_ >= after_failures) {
    failing_told_ = true;
    return NotifyEvent::Status::kFailing;
  }
  return std::nullopt;
}

std::string WebhookJson(const NotifyEvent& e, const std::string& host) {
  nlohmann::json j = {{"version", 1},
                      {"status", e.status == NotifyEvent::Status::kFailing ? "failing" : "recovered"},
                      {"host", core::SafeText(host)},
                      {"dataset", core::SafeText(e.dataset)},
                      {"source", core::SafeText(e.source)},
                      {"reason", e.reason},
                      {"message", core::SafeText(e.message)},
                      {"remedy_url", e.reason.empty() ? "" : exporter::kFailureReasonsUrl},
                      {"consecutive_failures", e.consecutive_failures},
                      {"first_failure", e.first_failure},
                      {"time", e.time}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string PingUrl(const std::string& base, bool healthy) {
  if (healthy) return base;
  const std::size_t query = base.find('?');
  std::string path = base.substr(0, query);
  while (!path.empty() && path.back() == '/') path.pop_back();
  return path + "/fail" + (query == std::string::npos ? "" : base.substr(query));
}

Notifier::Notifier(core::Log log, std::function<std::int64_t()> now, std::string host, Send send)
    : log_(std::move(log)), now_(std::move(now)), host_(std::move(host)), send_(std::move(send)),
      thread_([this](std::stop_token stop) { Run(stop); }) {}

Notifier::~Notifier() {
  thread_.request_stop();
  cv_.notify_all();
}

void Notifier::Configure(const config::Config& config) {
  std::lock_guard lock(mu_);
  const bool ping_changed = config_.healthcheck_url != config.notify.healthcheck_url ||
                            config_.healthcheck_interval_seconds != config.notify.healthcheck_interval_seconds;
  config_ = config.notify;
  webhooks_.clear();
  std::set<std::pair<std::string, std::string>> wanted;
  for (const auto& d : config.datasets) {
    const auto& hooks = d.webhooks ? *d.webhooks : config.notify.webhooks;
    webhooks_[d.destination.str()] = hooks;
    for (const auto& w : hooks) wanted.emplace(d.destination.str(), w.url);
  }
  std::erase_if(streaks_, [&](const auto& s) { return !wanted.contains(s.first); });
  // Events for a webhook no longer configured (removed, its URL rotated) go.
  std::erase_if(queue_, [&](const Pending& p) { return !wanted.contains({p.event.dataset, p.event.url}); });
  if (ping_changed) next_ping_ = 0;  // a new ping target: ping at once
  cv_.notify_all();
}

void Notifier::SetHealth(std::function<std::optional<bool>()> healthy) {
  std::lock_guard lock(health_mu_);  // waits for a running call of the old one
  healthy_ = std::move(healthy);
}

void Notifier::OnCycle(const config::DatasetConfig& d, const replicate::CycleOutcome& o) {
  // A cycle cut short by zpull's own stop says nothing about the dataset.
  if (o.error && o.error->reason == core::Reason::kShutdown) return;
  const std::int64_t now = now_();
  std::lock_guard lock(mu_);
  auto hooks = webhooks_.find(d.destination.str());
  if (hooks == webhooks_.end()) return;
  for (const auto& w : hooks->second) {
    FailureStreak& streak = streaks_[{d.destination.str(), w.url}];
    NotifyEvent e{.url = w.url,
                  .dataset = d.destination.str(),
                  .source = d.source + ":" + d.source_dataset.str(),
                  .reason = o.error ? std::string(core::ReasonName(o.error->reason)) : "",
                  .message = o.error ? o.error->message.substr(0, 4096) : "",
                  .consecutive_failures = streak.consecutive() + (o.ok() ? 0 : 1),
                  .first_failure = streak.consecutive() ? streak.first_failure() : now,
                  .time = now};
    const auto status = streak.Record(o.ok(), w.after_failures, now);
    if (!status) continue;
    e.status = *status;
    if (*status == NotifyEvent::Status::kRecovered) {
      // A failing not yet delivered is withdrawn with its recovery:
      // the receiver never heard of the failure.
      auto queued = std::find_if(queue_.begin(), queue_.end(), [&](const Pending& p) {
        return p.event.url == w.url && p.event.dataset == e.dataset && p.event.status == NotifyEvent::Status::kFailing;
      });
      if (queued != queue_.end()) {
        queue_.erase(queued);
        continue;
      }
    } else if (queue_.size() >= kMaxQueue) {
      ++failures_["webhook"];
      log_.Warn("notification dropped: the queue is full", {{"dataset", e.dataset}, {"host", core::UrlHost(w.url)}});
      continue;
    }
    queue_.push_back({std::move(e), 0, now});
  }
  cv_.notify_all();
}

void Notifier::Record(const std::string& kind, const std::string& url, const core::Result<long>& r) {
  const bool ok = r && *r >= 200 && *r < 300;
  const std::string error = ok ? "" : r ? "HTTP " + std::to_string(*r) : r.error().message;
  std::lock_guard lock(mu_);
  ++(ok ? sent_ : failures_)[kind];
  auto& last = last_[{kind, url}];  // per URL; shown by its host
  last = exporter::NotificationStatus{kind, core::UrlHost(url), now_(), ok, error};
}

void Notifier::Deliver(Pending& p, bool& done) {
  std::string ca;
  std::int64_t timeout;
  {
    std::lock_guard lock(mu_);
    ca = config_.ca_file;
    timeout = config_.timeout_seconds;
  }
  const auto r = send_({p.event.url, WebhookJson(p.event, host_), ca, std::chrono::seconds(timeout)});
  Record("webhook", p.event.url, r);
  const bool ok = r && *r >= 200 && *r < 300;
  const char* status = p.event.status == NotifyEvent::Status::kFailing ? "failing" : "recovered";
  if (ok) {
    log_.Info("notification sent", {{"dataset", p.event.dataset}, {"status", status}, {"host", core::UrlHost(p.event.url)}});
    done = true;
    return;
  }
  ++p.attempts;
  const std::string error = r ? "HTTP " + std::to_string(*r) : r.error().message;
  done = p.event.status == NotifyEvent::Status::kFailing && p.attempts >= kFailingAttempts;
  p.next_attempt = now_() + Backoff(p.attempts);
  log_.Warn(done ? "notification given up" : "notification failed, retrying",
            {{"dataset", p.event.dataset}, {"status", status}, {"host", core::UrlHost(p.event.url)},
             {"attempts", p.attempts}, {"error", error}});
}

void Notifier::Ping() {
  std::string url, ca;
  std::int64_t timeout;
  {
    std::lock_guard lock(mu_);
    url = config_.healthcheck_url;
    ca = config_.ca_file;
    timeout = config_.timeout_seconds;
  }
  std::optional<bool> fine;
  {
    std::lock_guard lock(health_mu_);
    if (healthy_) fine = healthy_();
  }
  // Nothing known yet (before the daemon's state is read, between two
  // daemons of a reload): no ping rather than a guess; soon again.
  if (!fine) {
    std::lock_guard lock(mu_);
    next_ping_ = std::min(next_ping_, now_() + 5);
    return;
  }
  const auto r = send_({PingUrl(url, *fine), "", ca, std::chrono::seconds(timeout)});
  Record("healthcheck", url, r);
  if (!r || *r < 200 || *r >= 300) {
    log_.Warn("healthcheck ping failed", {{"host", core::UrlHost(url)}, {"error", r ? "HTTP " + std::to_string(*r) : r.error().message}});
  }
}

void Notifier::Run(std::stop_token stop) {
  std::unique_lock lock(mu_);
  while (!stop.stop_requested()) {
    const std::int64_t now = now_();
    if (!config_.healthcheck_url.empty() && now >= next_ping_) {
      next_ping_ = now + config_.healthcheck_interval_seconds;
      lock.unlock();
      Ping();
      lock.lock();
      continue;
    }
    // The first due event that no earlier event of its dataset and webhook
    // precedes: a recovered never overtakes its failing.
    auto due = queue_.end();
    for (auto it = queue_.begin(); it != queue_.end() && due == queue_.end(); ++it) {
      if (it->next_attempt > now) continue;
      const bool blocked = std::any_of(queue_.begin(), it, [&](const Pending& q) {
        return q.event.url == it->event.url && q.event.dataset == it->event.dataset;
      });
      if (!blocked) due = it;
    }
    if (due != queue_.end()) {
      Pending p = *due;
      queue_.erase(due);
      lock.unlock();
      bool done = false;
      Deliver(p, done);
      lock.lock();
      // Back at its place in the queue (ahead of what came after it).
      if (!done) queue_.push_front(std::move(p));
      continue;
    }
    cv_.wait_for(lock, stop, std::chrono::seconds(1), [] { return false; });
  }
}

void Notifier::WriteMetrics(exporter::MetricWriter& out) const {
  std::lock_guard lock(mu_);
  const bool any = !config_.webhooks.empty() || !config_.healthcheck_url.empty() ||
                   std::any_of(webhooks_.begin(), webhooks_.end(), [](const auto& w) { return !w.second.empty(); });
  out.Family("zpull_notifications_sent_total",
             "Notifications delivered (a 2xx answer), by kind: webhook or healthcheck (the dead-man ping).",
             exporter::MetricType::kCounter);
  for (const char* kind : {"webhook", "healthcheck"}) {
    if (any) out.Sample({{"kind", kind}}, double(sent_.contains(kind) ? sent_.at(kind) : 0));
  }
  out.Family("zpull_notification_failures_total",
             "Notification attempts that failed (no answer in time, a TLS or connection error, or not 2xx), and "
             "webhook events dropped from a full queue, by kind.",
             exporter::MetricType::kCounter);
  for (const char* kind : {"webhook", "healthcheck"}) {
    if (any) out.Sample({{"kind", kind}}, double(failures_.contains(kind) ? failures_.at(kind) : 0));
  }
}

std::vector<exporter::NotificationStatus> Notifier::LastDeliveries() const {
  std::lock_guard lock(mu_);
  std::vector<exporter::NotificationStatus> out;
  for (const auto& [key, s] : last_) out.push_back(s);
  return out;
}

}  // namespace zpull::daemon
