#pragma once
// `zpull run`: restores what must survive a restart from this host's ZFS
// (never a source's), runs every dataset's cycle on its interval and the
// checks on theirs until stopped, and offers its metrics and status as a
// Site for the process's HTTP server (exporter/http_server.h), which
// outlives it across reloads. Everything that contacts a source runs in the
// background, per source host, so a hung host delays only its own work.
// Running cycles end before Run() returns.

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <memory>


#include "checks/parity_check.h"
#include "exporter/check_metrics.h"
#include "core/lock_file.h"
#include "core/log.h"
#include "config/config.h"
#include "daemon/control.h"
#include "daemon/dataset_cycle.h"
#include "exporter/feature_metrics.h"
#include "daemon/hosts.h"
#include "daemon/notifier.h"
#include "exporter/http_server.h"
#include "exporter/inventory_metrics.h"
#include "exporter/replication_metrics.h"
#include "daemon/scheduler.h"

namespace zpull::daemon {

// Thread-safe: Stop() may be called from any thread (e.g. a signal thread).
// Owned by a shared_ptr: a check thread still waiting on a hung host when
// Run() returns keeps what it uses (the daemon, its configuration and
// hosts) alive until its command's deadline, without holding up a reload.
class Daemon : public std::enable_shared_from_this<Daemon> {
 public:
  Daemon(std::shared_ptr<const config::Config> config, std::shared_ptr<Hosts> hosts,
         core::Log log, std::function<std::int64_t()> now);
  ~Daemon();

  // Takes the daemon lock, restores state from this host's ZFS (the first
  // cycle of each dataset is then due at its last success plus its
  // interval) and starts the control socket; fails if another zpull run
  // holds the lock or the socket cannot be made. Contacts no source.
  core::Status Start();
  // Before Start(): when each dataset was first scheduled, kept by the
  // caller across reloads; Start() adds the new datasets (now) and drops
  // the ones no longer configured. Without it, every dataset counts from Start().
  void RememberFirstScheduled(std::map<std::string, std::int64_t>* since) { first_scheduled_ = since; }
  // Before Start(): where cycle outcomes go for webhooks, and what the
  // dead-man ping asks (Healthy()); the notifier outlives reloads.
  void UseNotifier(std::shared_ptr<Notifier> notifier) { notifier_ = std::move(notifier); }
  // Every dataset not paused has succeeded, and not longer ago than twice
  // its interval (a cycle's own time included), its last cycle not failed.
  bool Healthy() const;
  // What the HTTP server serves for this daemon. Its status source refers
  // to this daemon: it must be served no longer than the daemon lives.
  exporter::Site Served() const;
  // The metric sources alone, which outlive the daemon (served across a
  // reload until the next daemon's Site replaces them).
  exporter::MetricSources MetricSources() const;
  void Run();
  // Stops scheduling; Run() returns once running cycles end. With
  // `cancel_transfers`, running transfers are aborted (reason shutdown;
  // the receiver keeps its resume token where it has one); without, they
  // finish (a reload).
  void Stop(bool cancel_transfers = true);
  // Called from a pass thread when a recursive entry's selection on its
  // source (with destination `root`) differs from the datasets this daemon
  // was built with (config/expand.h); the caller reloads (typically
  // Stop(false), then a new Daemon on config::ExpandKnown). Set before Run().
  using SelectionChanged =
      std::function<void(const std::string& root, const std::vector<std::string>& selected, const std::string& why)>;
  void OnSelectionChanged(SelectionChanged f) { on_selection_changed_ = std::move(f); }
  const exporter::ReplicationMetrics& Metrics() const { return *metrics_; }

 private:
  // The dataset's last success, as restored (nullopt: none on record).
  std::optional<std::int64_t> Restore(const config::DatasetConfig& d);
  void RunDataset(std::size_t index);
  void LogUnrecorded(const core::Error& e, const std::vector<std::string>& datasets) const;
  // Every dataset and watched pool now (exporter/status.h).
  exporter::StatusReport StatusNow() const;
  // Answers one control request (daemon/control.h).
  std::string Control(const std::string& request);
  // Runs `pass` now and then every `interval` seconds until Stop().
  void Periodic(std::int64_t interval, const std::function<void()>& pass);
  // Parity for the datasets `indices` of source host `source` (one listing
  // per side), then their inventory.
  void ParityPass(const std::string& source, const std::vector<std::size_t>& indices);
  // zpull's holds, bookmarks and resume tokens for the datasets `indices`
  // of source host `source`, from their parity results (same order): a few
  // commands per host whatever the number of datasets.
  void InventoryPass(const std::string& source, const std::vector<std::size_t>& indices,
                     const std::vector<checks::ParityResult>& parity);
  // Replica safety for every dataset (one listing per destination root):
  // the metric, and what each dataset's next cycle brings into line.
  void SafetyPass();
  // Status, space and (with scrub.every) scrub start for the watched pools
  // of one host (`zfs`).
  void ScrubPass(core::Zfs& zfs, const std::vector<std::string>& pools);
  // The selection of each recursive entry of source host `source`, against
  // the expanded datasets.
  void DiscoveryPass(const std::string& source);
  // The restore drills of source host `source` that are due (drill.every),
  // one after the other.
  void DrillPass(const std::string& source);

  const std::shared_ptr<const config::Config> config_owner_;
  const std::shared_ptr<Hosts> hosts_owner_;
  const config::Config& config_;
  Hosts& hosts_;
  const core::Log log_;
  const std::function<std::int64_t()> now_;
  std::shared_ptr<exporter::ReplicationMetrics> metrics_;
  std::map<std::string, std::int64_t>* first_scheduled_ = nullptr;  // the caller's, across reloads
  std::shared_ptr<Notifier> notifier_;
  std::shared_ptr<exporter::CheckMetrics> checks_;
  std::shared_ptr<exporter::FeatureMetrics> features_ = std::make_shared<exporter::FeatureMetrics>();
  std::shared_ptr<exporter::InventoryMetrics> inventory_;
  std::mutex drill_mu_;
  std::map<std::string, std::int64_t> last_drill_;  // by dataset; with drill_mu_
  std::unique_ptr<BandwidthLimits> limits_;
  std::unique_ptr<Scheduler> scheduler_;
  std::unique_ptr<Rounds> rounds_;  // listings per host and round, deferred last-success writes
  std::unique_ptr<ControlServer> control_;
  std::optional<core::LockFile> daemon_lock_;  // held from Start() on
  // What Start() reads back, by dataset, as far as it got.
  struct RestoredState {
    explicit RestoredState(std::size_t n) : last_success(n) {}
    std::mutex mu;
    std::condition_variable cv;
    std::vector<std::optional<std::int64_t>> last_success;  // guarded by mu
    std::size_t done = 0;                                    // guarded by mu
  };
  std::thread restore_;  // reads the state back (Start); joined by Run or the destructor
  // Datasets whose cycle has ended at least once in this daemon, and those
  // whose parity found no destination before that: their parity waits for
  // the first cycle (which creates the destination) and runs after it.
  std::mutex first_cycle_mu_;
  std::set<std::size_t> cycled_, parity_waits_;
  std::mutex repairs_mu_;
  std::map<std::size_t, std::vector<core::PropertyChange>> repairs_;  // by dataset index; with repairs_mu_
  std::mutex callback_mu_;
  SelectionChanged on_selection_changed_;  // with callback_mu_; cleared when Run() returns
  std::atomic<bool> stopping_{false};
  std::atomic<bool> cancel_{false};  // aborts running transfers
  std::atomic<bool> stop_drills_{false};  // ends running drills at their next step (any stop)
  // The check threads (per host) still running; with stop_mu_.
  std::size_t passes_running_ = 0;
  // This host's drill sweep is done (drills on its pools may start); with stop_mu_.
  bool local_swept_ = false;
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;  // wakes the parity loop on Stop(); with stop_mu_
};

}  // namespace zpull::daemon
