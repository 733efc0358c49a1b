#include "daemon/daemon.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>
#include <utility>

#include "checks/inventory.h"
#include "checks/scrub.h"
#include "core/zfs_parse.h"
#include "daemon/drills.h"
#include "config/expand.h"
#include "daemon/once.h"
#include "daemon/verify.h"
#include "exporter/version.h"

namespace zpull::daemon {
namespace {

// How long a stopping daemon waits for its check threads before letting
// those still blocked on a host go.
constexpr std::chrono::seconds kPassGrace{3};

// How often due drills are looked for: every 30 s, or as often as the
// shortest drill.every (but at least every second).
std::int64_t DrillCheckSeconds(const config::Config& c) {
  std::int64_t s = 30;
  for (const auto& d : c.datasets) {
    if (d.drill.every) s = std::min(s, *d.drill.every);
  }
  return std::max<std::int64_t>(s, 1);
}

std::vector<std::string> DatasetNames(const config::Config& c) {
  std::vector<std::string> out;
  for (const auto& d : c.datasets) out.push_back(d.destination.str());
  return out;
}

// How often the recursive entries of `source` are listed: their shortest
// interval; nullopt without recursive entries there.
std::optional<std::int64_t> DiscoverySeconds(const config::Config& c, const std::string& source) {
  std::optional<std::int64_t> s;
  for (const auto& d : c.datasets) {
    if (d.recursive && d.source == source) s = std::min(s.value_or(d.interval_seconds), d.interval_seconds);
  }
  if (s) s = std::max<std::int64_t>(*s, 1);
  return s;
}

std::vector<std::string> Unique(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

std::string Joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& x : v) out += (out.empty() ? "" : ",") + x;
  return out.empty() ? "-" : out;
}

std::vector<std::int64_t> Intervals(const config::Config& c) {
  std::vector<std::int64_t> out;
  for (const auto& d : c.datasets) out.push_back(d.interval_seconds);
  return out;
}

}  // namespace

Daemon::Daemon(std::shared_ptr<const config::Config> config, std::shared_ptr<Hosts> hosts,
               core::Log log, std::function<std::int64_t()> now)
    : config_owner_(std::move(config)),
      hosts_owner_(std::move(hosts)),
      config_(*config_owner_),
      hosts_(*hosts_owner_),
      log_(std::move(log)),
      now_(std::move(now)),
      metrics_(std::make_shared<exporter::ReplicationMetrics>(DatasetNames(config_), now_, config_.metrics_detail)),
      checks_(std::make_shared<exporter::CheckMetrics>(config_.metrics_detail)),
      inventory_(std::make_shared<exporter::InventoryMetrics>(config_.metrics_detail)),
      limits_(std::make_unique<BandwidthLimits>(config_)),
      scheduler_(std::make_unique<Scheduler>(Intervals(config_), config_.parallelism,
                                             [this](std::size_t i) { RunDataset(i); }, now_)) {
  scheduler_->SetParents(config::ParentIndices(config_));
  auto slots = SlotsOf(config_);
  scheduler_->SetHosts(std::move(slots.host_of), std::move(slots.slots));
  rounds_ = std::make_unique<Rounds>(
      config_, hosts_, [this] { return scheduler_->Upcoming(Rounds::kHorizon.count()); },
      [this](const core::Error& e, const std::vector<std::string>& datasets) { LogUnrecorded(e, datasets); }, now_);
}

void Daemon::LogUnrecorded(const core::Error& e, const std::vector<std::string>& datasets) const {
  std::string names;
  for (const auto& n : datasets) names += (names.empty() ? "" : " ") + n;
  log_.Warn("a deferred write failed (a new base's hold or zpull:common mark, or zpull:last_success): the base is "
            "unprotected, or a restart reads an older success, until the next cycle records it again",
            {{"datasets", names}, {"error", e.message}});
}

// The lag must not read zero after a restart: the newest destination
// snapshot that carries zpull:common is the newest common one as of the last
// success, and zpull:last_success on the dataset is that success's time.
std::optional<std::int64_t> Daemon::Restore(const config::DatasetConfig& d) {
  auto state = ReadReplicationState(hosts_.Destination(), d.destination);
  if (!state) {
    log_.Warn("cannot read state", {{"dataset", d.destination.str()}, {"error", state.error().message}});
    return std::nullopt;
  }
  if (!*state) return std::nullopt;
  metrics_->RestoreFromDestination(d.destination.str(), (*state)->last_success, (*state)->newest_common_creation);
  log_.Info("restored", {{"dataset", d.destination.str()},
                         {"last_success", (*state)->last_success.value_or(0)},
                         {"newest_common_creation", (*state)->newest_common_creation.value_or(0)}});
  return (*state)->last_success;
}

core::Status Daemon::Start() {
  const std::string lock_path = config_.lock_directory + "/daemon.lock";
  auto lock = core::LockFile::TryAcquire(lock_path);
  if (!lock && lock.error().reason == core::Reason::kLockBusy) {
    return core::Fail(core::Reason::kLockBusy, "another zpull run is active (it holds " + lock_path + ")");
  }
  if (!lock) return tl::unexpected(core::WithContext(lock.error(), "lock_directory " + config_.lock_directory));
  daemon_lock_.emplace(std::move(*lock));
  std::map<std::string, std::int64_t> local;
  std::map<std::string, std::int64_t>& since = first_scheduled_ ? *first_scheduled_ : local;
  std::map<std::string, std::int64_t> kept;
  for (const auto& d : config_.datasets) {
    const std::string name = d.destination.str();
    kept[name] = since.emplace(name, now_()).first->second;
    metrics_->SetFirstScheduled(name, kept[name]);
  }
  since = std::move(kept);
  for (const auto& d : config_.datasets) {
    metrics_->SetInterval(d.destination.str(), d.interval_seconds);
    if (d.drill.every) checks_->SetDrillInterval(d.destination.str(), *d.drill.every);
  }
  // State from this host's ZFS, before /metrics answers, but no longer than
  // the top-level command_timeout in all (a hung zfs-fuse daemon): what is
  // not back by then follows while the daemon runs.
  auto restored = std::make_shared<RestoredState>(config_.datasets.size());
  restore_ = std::thread([this, restored] {
    for (std::size_t i = 0; i < config_.datasets.size() && !stopping_; ++i) {
      const auto& d = config_.datasets[i];
      auto last = Restore(d);
      if (auto drill = RestoreDrillState(d, hosts_)) {
        checks_->SetDrill(d.destination.str(), *drill);
        std::lock_guard drill_lock(drill_mu_);
        last_drill_[d.destination.str()] = *drill->last_run;
      }
      std::lock_guard state_lock(restored->mu);
      restored->last_success[i] = last;
      ++restored->done;
      restored->cv.notify_all();
    }
  });
  std::vector<std::optional<std::int64_t>> last_success;
  {
    std::unique_lock state_lock(restored->mu);
    const std::size_t n = config_.datasets.size();
    if (!restored->cv.wait_for(state_lock, std::chrono::seconds(config_.command_timeout_seconds),
                               [&] { return restored->done == n || stopping_.load(); })) {
      log_.Warn("restoring state from this host's ZFS goes on while zpull runs (command_timeout)",
                {{"restored", restored->done}, {"datasets", n}, {"after_seconds", config_.command_timeout_seconds}});
    }
    last_success = restored->last_success;
  }
  scheduler_->SetFirstDue(FirstDue(now_(), last_success, Intervals(config_)));
  if (notifier_) {
    notifier_->SetHealth([weak = weak_from_this()]() -> std::optional<bool> {
      auto daemon = weak.lock();  // gone (a reload): not known
      if (!daemon) return std::nullopt;
      return daemon->Healthy();
    });
  }
  auto control = ControlServer::Start(config_.control_socket, [this](const std::string& r) { return Control(r); });
  if (!control) return tl::unexpected(control.error());
  control_ = std::move(*control);
  return {};
}

exporter::MetricSources Daemon::MetricSources() const {
  exporter::MetricSources sources = {metrics_, checks_, features_, inventory_,
                                     std::make_shared<exporter::BuildInfo>(exporter::kVersion, exporter::kRevision)};
  if (notifier_) sources.push_back(notifier_);
  return sources;
}

bool Daemon::Healthy() const {
  const std::int64_t now = now_();
  for (std::size_t i = 0; i < config_.datasets.size(); ++i) {
    if (scheduler_->Paused(i)) continue;
    const auto v = metrics_->ViewOf(config_.datasets[i].destination.str());
    if (v.last_ok == false || !v.last_success) return false;
    if (now - *v.last_success > 2 * config_.datasets[i].interval_seconds) return false;
  }
  return true;
}

exporter::Site Daemon::Served() const { return {MetricSources(), [this] { return StatusNow(); }}; }

void Daemon::Run() {
  std::vector<std::thread> passes;
  // Each pass thread holds the daemon (and so its configuration and hosts)
  // until it ends, which may be after Run() returns (a hung host).
  auto spawn = [this, &passes](std::function<void()> body) {
    {
      std::lock_guard lock(stop_mu_);
      ++passes_running_;
    }
    passes.emplace_back([self = shared_from_this(), body = std::move(body)] {
      body();
      std::lock_guard lock(self->stop_mu_);
      --self->passes_running_;
      self->stop_cv_.notify_all();
    });
  };
  // This host's own: the drill sweep of its pools, replica safety, scrubs.
  spawn([this] {
    SweepDrills(config_, hosts_, log_, "");
    {
      std::lock_guard lock(stop_mu_);
      local_swept_ = true;
    }
    stop_cv_.notify_all();
    Periodic(config_.parity_interval_seconds, [this] { SafetyPass(); });
  });
  // The rounds' last successes that have waited kFlushAfter.
  spawn([this] { Periodic(Rounds::kFlushAfter.count(), [this] { rounds_->FlushOld(); }); });
  std::vector<std::string> local_pools = config_.scrub_pools;
  if (local_pools.empty()) {
    for (const auto& d : config_.datasets) local_pools.push_back(d.destination.Pool());
  }
  spawn([this, pools = Unique(local_pools)] {
    Periodic(config_.scrub_interval_seconds, [this, &pools] { ScrubPass(hosts_.Destination(), pools); });
  });
  // Each source host's, so that a hung host delays only its own.
  for (const auto& [source, indices] : DatasetsBySource(config_, {})) {
    std::vector<std::string> pools;
    for (std::size_t i : indices) pools.push_back(config_.datasets[i].source_dataset.Pool());
    spawn([this, source, indices] {
      Periodic(config_.parity_interval_seconds, [this, &source, &indices] { ParityPass(source, indices); });
    });
    spawn([this, source] {
      SweepDrills(config_, hosts_, log_, source);
      {
        // Not while the sweep of this host's pools could destroy a drill's clone.
        std::unique_lock lock(stop_mu_);
        stop_cv_.wait(lock, [this] { return local_swept_ || stopping_.load(); });
      }
      Periodic(DrillCheckSeconds(config_), [this, &source] { DrillPass(source); });
    });
    if (config_.scrub_source_pools) {
      spawn([this, source, pools = Unique(pools)] {
        Periodic(config_.scrub_interval_seconds, [this, &source, &pools] { ScrubPass(hosts_.Source(source), pools); });
      });
    }
    if (auto every = DiscoverySeconds(config_, source)) {
      spawn([this, source, every] { Periodic(*every, [this, &source] { DiscoveryPass(source); }); });
    }
  }
  scheduler_->Run();
  for (const auto& [i, e] : rounds_->Flush()) LogUnrecorded(e, {config_.datasets[i].destination.str()});
  // Cycles have ended. A check thread blocked on a hung host (until its
  // command's deadline) does not hold up a reload: it is let go and ends
  // on its own, keeping what it uses alive.
  {
    std::unique_lock lock(stop_mu_);
    if (!stop_cv_.wait_for(lock, kPassGrace, [this] { return passes_running_ == 0; })) {
      log_.Warn("check threads still wait on a host; they end at their command's deadline",
                {{"threads", passes_running_}});
    }
  }
  for (auto& t : passes) t.detach();
  {
    std::lock_guard lock(callback_mu_);
    on_selection_changed_ = nullptr;
  }
  control_.reset();
  daemon_lock_.reset();  // the next daemon (a reload) takes it
}

Daemon::~Daemon() {
  // The restore thread reads this host's ZFS only (bounded by command_timeout).
  if (restore_.joinable()) {
    stopping_ = true;
    restore_.join();
  }
}

void Daemon::Stop(bool cancel_transfers) {
  {
    std::lock_guard lock(stop_mu_);
    stopping_ = true;
    stop_drills_ = true;  // a drill may run for drill.timeout: never wait for one
    if (cancel_transfers) cancel_ = true;
  }
  stop_cv_.notify_all();
  scheduler_->Stop();
}

void Daemon::Periodic(std::int64_t interval, const std::function<void()>& pass) {
  std::unique_lock lock(stop_mu_);
  while (!stopping_) {
    lock.unlock();
    pass();
    lock.lock();
    stop_cv_.wait_for(lock, std::chrono::seconds(interval), [this] { return stopping_.load(); });
  }
}

void Daemon::DiscoveryPass(const std::string& source) {
  for (const auto& d : config_.datasets) {
    if (!d.recursive || d.source != source || stopping_) continue;
    auto selection = config::SelectNow(d, hosts_.SourceLookup());
    if (!selection) {
      log_.Warn("cannot list children", {{"dataset", d.destination.str()}, {"error", selection.error().message}});
      continue;
    }
    const auto current = config::ExpandedSources(config_, d.destination.str());
    if (selection->datasets == current) continue;
    for (const auto& w : selection->warnings) log_.Warn("selection warning", {{"warning", w}});
    std::vector<std::string> added, removed;
    for (const auto& n : selection->datasets) {
      if (std::find(current.begin(), current.end(), n) == current.end()) added.push_back(n);
    }
    for (const auto& n : current) {
      if (std::find(selection->datasets.begin(), selection->datasets.end(), n) == selection->datasets.end()) {
        removed.push_back(n);
      }
    }
    const std::string why = "datasets under " + d.source_dataset.str() + " changed: added=" + Joined(added) +
                            " removed=" + Joined(removed);
    log_.Info("datasets changed", {{"under", d.source_dataset.str()}, {"added", Joined(added)}, {"removed", Joined(removed)}});
    // Not after Run() returned: the callback's owner may be gone.
    std::lock_guard lock(callback_mu_);
    if (on_selection_changed_ && !stopping_) on_selection_changed_(d.destination.str(), selection->datasets, why);
  }
}

void Daemon::DrillPass(const std::string& source) {
  for (const auto& d : config_.datasets) {
    if (!d.drill.every || d.source != source || stopping_) continue;
    // Not before the dataset has a snapshot on both sides (its first
    // replication, or zpull:common at start): until then a drill could only
    // fail, with no_snapshot, and page someone on a new host's first day.
    if (!metrics_->ViewOf(d.destination.str()).newest_common_creation) continue;
    {
      std::lock_guard lock(drill_mu_);
      auto last = last_drill_.find(d.destination.str());
      if (last != last_drill_.end() && now_() - last->second < *d.drill.every) continue;
    }
    auto outcome = RunDatasetDrill(config_, d, hosts_, now_, &stop_drills_);
    // A drill stopped by SIGTERM found nothing about the backup: not recorded.
    if (outcome.failure == checks::DrillFailure::kStopped) return;
    {
      std::lock_guard lock(drill_mu_);
      last_drill_[d.destination.str()] = outcome.finished;
    }
    RecordDrill(d, hosts_, outcome, *checks_, log_);
  }
}

void Daemon::ScrubPass(core::Zfs& zfs, const std::vector<std::string>& pools) {
  for (const auto& pool : pools) {
    if (stopping_) return;
    const auto started = std::chrono::steady_clock::now();
    auto status = zfs.GetPoolStatus(pool);
    auto space = status ? zfs.GetPoolSpace(pool) : core::Result<core::PoolSpace>();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const bool ok = status && space;
    checks_->RecordRun("scrub", zfs.Host(), pool, ok, seconds, now_());
    if (!status) {
      log_.Warn("pool check failed", {{"host", zfs.Host()}, {"pool", pool}, {"error", status.error().message}});
      continue;
    }
    if (!space) log_.Warn("pool space failed", {{"host", zfs.Host()}, {"pool", pool}, {"error", space.error().message}});
    checks_->SetPool(zfs.Host(), pool, *status, space ? std::optional(*space) : std::nullopt);
    if (checks::ScrubDue(*status, now_(), config_.scrub_every_seconds)) {
      if (auto s = zfs.StartScrub(pool); s) {
        checks_->CountScrubStarted(zfs.Host(), pool);
        log_.Info("scrub started", {{"host", zfs.Host()}, {"pool", pool}});
      } else {
        log_.Warn("scrub start failed", {{"host", zfs.Host()}, {"pool", pool}, {"error", s.error().message}});
      }
    }
  }
}

void Daemon::ParityPass(const std::string& source, const std::vector<std::size_t>& indices) {
  std::vector<checks::ParityTarget> targets;
  for (std::size_t i : indices) targets.push_back(ParityTargetFor(config_, config_.datasets[i]));
  core::Zfs& src = hosts_.Source(source);
  std::set<std::size_t> cycled_before;
  {
    std::lock_guard lock(first_cycle_mu_);
    cycled_before = cycled_;
  }
  std::vector<std::size_t> stale;  // first cycles that ended during this pass
  std::vector<bool> held_back;     // by position: reported after the first cycle
  // The source's `written` (OpenZFS) comes with its listing where every
  // pool of the pass has it (one without would fail the whole listing).
  bool source_written = !indices.empty();
  std::set<std::string> pools;
  for (std::size_t i : indices) pools.insert(config_.datasets[i].source_dataset.Pool());
  for (const auto& name : pools) {
    auto pool = core::DatasetName::Parse(name);
    auto f = pool ? hosts_.SourceFeatures(source, *pool) : core::Result<core::ZfsFeatures>(tl::unexpected(pool.error()));
    source_written = source_written && f && f->written;
  }
  const auto started = std::chrono::steady_clock::now();
  auto results = checks::RunParityPass(src, hosts_.Destination(), targets, now_(),
                                       WrittenSupported(config_, hosts_, indices), source_written);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  checks_->RecordPass("parity", src.Host(), seconds, now_());
  for (std::size_t k = 0; k < results.size(); ++k) {
    const config::DatasetConfig& d = config_.datasets[indices[k]];
    const auto& r = results[k];
    held_back.push_back(r.report && !r.report->destination_exists && !cycled_before.contains(indices[k]));
    if (held_back.back()) {
      std::lock_guard lock(first_cycle_mu_);
      if (cycled_.contains(indices[k])) {
        stale.push_back(indices[k]);
      } else {
        parity_waits_.insert(indices[k]);
      }
      continue;
    }
    checks_->RecordResult("parity", src.Host(), r.dataset, r.report.has_value());
    if (!r.report) {
      log_.Warn("parity check failed", {{"dataset", r.dataset},
                                        {"reason", core::ReasonName(r.report.error().reason)},
                                        {"error", r.report.error().message}});
      continue;
    }
    checks_->SetParity(r.dataset, *r.report);
    checks_->SetSpace(r.dataset, r.space);
    for (const auto& f : ParityFindings(*r.report, now_(), d.interval_seconds)) {
      if (f.severity == Severity::kCritical) log_.Warn("parity", {{"dataset", r.dataset}, {"finding", f.text}});
    }
  }
  // Nor an inventory of a destination its first cycle has yet to create.
  std::vector<std::size_t> reported;
  std::vector<checks::ParityResult> reported_results;
  for (std::size_t k = 0; k < results.size(); ++k) {
    if (held_back[k]) continue;
    reported.push_back(indices[k]);
    reported_results.push_back(std::move(results[k]));
  }
  if (!stopping_ && !reported.empty()) InventoryPass(source, reported, reported_results);
  if (!stale.empty() && !stopping_) ParityPass(source, stale);
}

void Daemon::SafetyPass() {
  std::vector<std::size_t> all(config_.datasets.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  const auto started = std::chrono::steady_clock::now();
  auto reports = CheckSafety(config_, hosts_, all);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  checks_->RecordPass("replica_safety", "local", seconds, now_());
  std::lock_guard lock(repairs_mu_);
  for (std::size_t i = 0; i < reports.size(); ++i) {
    const std::string& name = config_.datasets[i].destination.str();
    checks_->RecordResult("replica_safety", "local", name, reports[i].has_value());
    if (!reports[i]) {
      log_.Warn("replica safety check failed", {{"dataset", name}, {"error", reports[i].error().message}});
      continue;
    }
    checks_->SetUnsafeProperties(name, reports[i]->Unasked());
    for (const auto& f : SafetyFindings(*reports[i])) {
      if (f.severity == Severity::kCritical) log_.Warn("replica safety", {{"dataset", name}, {"finding", f.text}});
    }
    repairs_[i] = reports[i]->Repairs();
  }
}

exporter::StatusReport Daemon::StatusNow() const {
  exporter::StatusReport r;
  r.now = now_();
  r.version = exporter::kVersion;
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) == 0) r.host = std::string(host).substr(0, std::string(host).find('.'));
  for (std::size_t i = 0; i < config_.datasets.size(); ++i) {
    const config::DatasetConfig& d = config_.datasets[i];
    const std::string name = d.destination.str();
    const auto v = metrics_->ViewOf(name);
    exporter::DatasetStatus s;
    s.dataset = name;
    s.source = d.source + ":" + d.source_dataset.str();
    s.state = scheduler_->Running(i) ? "running" : scheduler_->Paused(i) ? "paused" : "idle";
    if (v.newest_common_creation) s.lag_seconds = r.now - *v.newest_common_creation;
    s.interval_seconds = d.interval_seconds;
    if (s.state == "idle") s.next_run = scheduler_->DueAt(i);
    s.last_success = v.last_success;
    if (v.last_ok) s.last_result = *v.last_ok ? "ok" : "failed";
    s.last_reason = v.last_reason;
    s.last_message = v.last_message;
    for (core::Reason reason : core::kAllReasons) {
      if (s.last_result == "failed" && core::ReasonName(reason) == v.last_reason) s.remedy = core::ReasonRemedy(reason);
    }
    s.parity = checks_->ParityOf(name);
    if (s.state == "running") {
      s.bytes = v.cycle_bytes;
      s.expected_bytes = v.expected_bytes;
      s.bytes_per_second = exporter::TransferRate(v.cycle_bytes, r.now - v.last_attempt.value_or(r.now));
      s.eta_seconds = exporter::TransferEta(v.cycle_bytes, v.expected_bytes, s.bytes_per_second);
    }
    if (auto drill = checks_->DrillOf(name)) {
      s.drill_outcome = drill->last_outcome;
      s.drill_last_success = drill->last_success;
      s.drill_last_run = drill->last_run;
      s.drill_covered_ratio = drill->covered_ratio;
    }
    r.datasets.push_back(std::move(s));
  }
  r.pools = checks_->Pools();
  if (notifier_) r.notifications = notifier_->LastDeliveries();
  return r;
}

std::string Daemon::Control(const std::string& request) {
  const std::size_t space = request.find(' ');
  const std::string verb = request.substr(0, space);
  const std::string dataset = space == std::string::npos ? "" : request.substr(space + 1);
  if (verb == "status") return "ok\n" + exporter::StatusTable(StatusNow());
  if (verb == "status-json") return "ok\n" + exporter::StatusJson(StatusNow());
  if (verb != "replicate" && verb != "pause" && verb != "resume") {
    return "error: unknown request '" + verb + "' (replicate DATASET, pause DATASET, resume DATASET, status)";
  }
  std::size_t index = config_.datasets.size();
  for (std::size_t i = 0; i < config_.datasets.size(); ++i) {
    if (config_.datasets[i].destination.str() == dataset) index = i;
  }
  if (index == config_.datasets.size()) return "error: no dataset '" + dataset + "' (zpull status lists them)";
  if (verb == "replicate") {
    scheduler_->RunNow(index);
    log_.Info("control: replicate now", {{"dataset", dataset}});
    return "ok: " + dataset + " replicates now";
  }
  const bool pause = verb == "pause";
  scheduler_->SetPaused(index, pause);
  metrics_->SetPaused(dataset, pause);
  log_.Info(pause ? "control: paused" : "control: resumed", {{"dataset", dataset}});
  return "ok: " + dataset + (pause ? " paused" : " resumed");
}

void Daemon::InventoryPass(const std::string& source, const std::vector<std::size_t>& indices,
                           const std::vector<checks::ParityResult>& parity) {
  core::Zfs& src = hosts_.Source(source);
  // Features are probed per pool: one inventory per pair of pools.
  std::map<std::pair<std::string, std::string>, std::vector<std::size_t>> by_pools;  // positions in `indices`
  for (std::size_t k = 0; k < indices.size(); ++k) {
    if (!parity[k].report) continue;  // its listing failed: nothing to go on (parity logged why)
    const config::DatasetConfig& d = config_.datasets[indices[k]];
    by_pools[{d.source_dataset.Pool(), d.destination.Pool()}].push_back(k);
  }
  const auto started = std::chrono::steady_clock::now();
  for (const auto& [pools, positions] : by_pools) {
    if (stopping_) return;
    std::vector<checks::InventoryInput> inputs;
    for (std::size_t k : positions) {
      const config::DatasetConfig& d = config_.datasets[indices[k]];
      inputs.push_back({{d.destination.str(), d.source_dataset, d.destination, config_.snapshot_prefix,
                         replicate::BookmarkStem(config_.snapshot_prefix, d.destination),
                         replicate::SourceHoldTag(config_.snapshot_prefix, d.destination)},
                        parity[k].source_held,
                        parity[k].destination_held});
    }
    auto src_features = hosts_.SourceFeatures(source, core::DatasetName::Parse(pools.first).value());
    auto dst_features = hosts_.DestinationFeatures(core::DatasetName::Parse(pools.second).value());
    // zpull_zfs_feature without waiting for a cycle (after a restart, the
    // first may be an interval away).
    if (src_features) features_->Set(src.Host(), *src_features);
    if (dst_features) features_->Set(hosts_.Destination().Host(), *dst_features);
    std::vector<core::Result<checks::Inventory>> inv;
    if (!src_features || !dst_features) {
      inv.assign(inputs.size(), tl::unexpected(!src_features ? src_features.error() : dst_features.error()));
    } else {
      inv = checks::TakeInventories(src, *src_features, hosts_.Destination(), *dst_features, inputs);
    }
    for (std::size_t n = 0; n < inputs.size(); ++n) {
      const std::string& name = inputs[n].target.dataset;
      checks_->RecordResult("inventory", src.Host(), name, inv[n].has_value());
      if (!inv[n]) {
        log_.Warn("inventory failed", {{"dataset", name}, {"error", inv[n].error().message}});
        continue;
      }
      inventory_->Set(name, *inv[n], now_());
    }
  }
  if (by_pools.empty()) return;
  checks_->RecordPass("inventory", src.Host(),
                      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(), now_());
}

void Daemon::RunDataset(std::size_t index) {
  const config::DatasetConfig& d = config_.datasets[index];
  const std::string& name = d.destination.str();
  const auto started = std::chrono::steady_clock::now();
  metrics_->CycleStarted(name, now_());
  CycleHooks hooks;
  hooks.on_bytes = [this, &name](std::uint64_t n) { metrics_->AddBytes(name, n); };
  hooks.on_wire_bytes = [this, &name](std::uint64_t n) { metrics_->AddWireBytes(name, n); };
  hooks.on_estimate = [this, &name](std::uint64_t n) { metrics_->SetExpectedBytes(name, n); };
  hooks.on_features = [this](const std::string& host, const core::ZfsFeatures& f) { features_->Set(host, f); };
  hooks.cancel = &cancel_;
  hooks.rounds = rounds_.get();
  hooks.on_tree_snapshot = [this, index](std::int64_t at) { scheduler_->CountFrom(index, at); };
  hooks.on_retry = LogRetries(log_, name);
  {
    std::lock_guard lock(repairs_mu_);
    if (auto r = repairs_.find(index); r != repairs_.end()) hooks.bring_into_line = std::exchange(r->second, {});
  }
  hooks.pause = [this, &name](std::int64_t seconds) {
    log_.Info("retrying", {{"dataset", name}, {"in", std::to_string(seconds) + "s"}});
    std::unique_lock lock(stop_mu_);
    return !stop_cv_.wait_for(lock, std::chrono::seconds(seconds), [this] { return stopping_.load(); });
  };
  replicate::CycleOutcome outcome = RunDatasetCycle(config_, index, hosts_, *limits_, now_, hooks);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  metrics_->CycleFinished(name, outcome, seconds);
  if (notifier_) notifier_->OnCycle(config_.datasets[index], outcome);
  LogCycle(log_, name, outcome, seconds);
  bool parity_waits = false;
  {
    std::lock_guard lock(first_cycle_mu_);
    cycled_.insert(index);
    parity_waits = parity_waits_.erase(index) > 0;
  }
  if (parity_waits && !stopping_) ParityPass(d.source, {index});
}

}  // namespace zpull::daemon
