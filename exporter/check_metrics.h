#pragma once
// Results of zpull's verification checks: the generic zpull_check_* series,
// the parity findings, pools and scrubs, and the restore drills per dataset.
// Values are those of the last run; a scrape never runs a check.
// Thread-safe: all state is guarded by mu_.

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>

#include "checks/parity.h"
#include "checks/parity_check.h"
#include "checks/restore_drill.h"
#include "core/metric_detail.h"
#include "core/zfs.h"
#include "exporter/metric_text.h"
#include "exporter/status.h"

namespace zpull::exporter {

class CheckMetrics : public MetricSource {
 public:
  explicit CheckMetrics(core::MetricDetail detail = {}) : detail_(detail) {}

  // A check of one target, timed on its own (a scrub's pool). `host` is the
  // configured source name or "local".
  void RecordRun(const std::string& check, const std::string& host, const std::string& target, bool success,
                 double seconds, std::int64_t when);
  // A check of one dataset within a pass over a host's datasets (parity,
  // replica safety, inventory) or timed by its own families (drill): its
  // success only.
  void RecordResult(const std::string& check, const std::string& host, const std::string& dataset, bool success);
  // A pass over a host's datasets: its duration and time, without a target.
  void RecordPass(const std::string& check, const std::string& host, double seconds, std::int64_t when);
  void SetParity(const std::string& dataset, const checks::ParityReport& report);
  // A dataset's space on both sides, from the parity pass's listings.
  void SetSpace(const std::string& dataset, const checks::DatasetSpace& space);
  // The replica safety check's count for a dataset (checks/replica_safety.h).
  void SetUnsafeProperties(const std::string& dataset, std::size_t count);
  void SetPool(const std::string& host, const std::string& pool, const core::PoolStatus& status,
               const std::optional<core::PoolSpace>& space);
  void CountScrubStarted(const std::string& host, const std::string& pool);
  // The last drill of a dataset. Restored state (after a restart) has only
  // the times and the outcome name.
  struct DrillState {
    std::optional<std::int64_t> last_run, last_success;
    std::string last_outcome;  // "ok" or a failure name
    std::optional<double> seconds;
    std::size_t files_verified = 0, files_skipped = 0, mismatches = 0;
    std::size_t files_mismatched = 0, files_unreadable = 0;
    // Share of the last drill's snapshot's files read in the current rotation.
    std::optional<double> covered_ratio;
    std::uint64_t bytes_verified = 0;
    std::optional<double> restore_bytes_per_second, estimated_restore_seconds;
  };
  void SetDrill(const std::string& dataset, const DrillState& state);
  void CountDrillFailure(const std::string& dataset, checks::DrillFailure failure);
  // drill.every of a dataset with scheduled drills.
  void SetDrillInterval(const std::string& dataset, std::int64_t seconds);

  void WriteMetrics(MetricWriter& out) const override;

  // For `zpull status` and /status.
  std::vector<PoolStatusRow> Pools() const;
  std::optional<DrillState> DrillOf(const std::string& dataset) const;
  // The last parity pass's findings for a dataset; none before one.
  std::optional<ParityStatus> ParityOf(const std::string& dataset) const;

 private:
  struct Run {
    std::optional<bool> success;
    std::optional<double> seconds;
    std::optional<std::int64_t> when;
  };
  const core::MetricDetail detail_;
  mutable std::mutex mu_;
  // (check, host, target); a pass's target is empty.
  std::map<std::tuple<std::string, std::string, std::string>, Run> runs_;
  // What the parity families show of a report.
  struct ParityRow {
    std::size_t not_replicated = 0, holes = 0, guid_mismatches = 0, diverged = 0;
    std::optional<std::int64_t> oldest_not_replicated, newest_source;
    bool destination_exists = false;
    std::optional<std::uint64_t> destination_written;
  };
  std::map<std::string, ParityRow> parity_;                                 // by dataset
  std::map<std::string, std::size_t> unsafe_;                               // by dataset
  std::map<std::string, checks::DatasetSpace> space_;                       // by dataset
  struct Pool {
    core::PoolStatus status;
    std::optional<core::PoolSpace> space;
    std::uint64_t scrubs_started = 0;
  };
  std::map<std::pair<std::string, std::string>, Pool> pools_;  // (host, pool)
  std::map<std::string, DrillState> drills_;                    // by dataset
  std::map<std::string, std::int64_t> drill_intervals_;         // by dataset
  std::map<std::string, std::map<checks::DrillFailure, std::uint64_t>> drill_failures_;

  // A scrape's copy of the state above: the entries with their keys as
  // views into the maps, whose entries are never erased or re-keyed.
  template <class T>
  using Rows = std::vector<std::pair<std::string_view, T>>;
  using RunKey = std::tuple<std::string, std::string, std::string>;
  struct Copy {
    std::vector<std::pair<const RunKey*, Run>> runs;
    Rows<ParityRow> parity;
    Rows<std::size_t> unsafe;
    Rows<checks::DatasetSpace> space;
    decltype(pools_) pools;
    Rows<DrillState> drills;
    Rows<std::map<checks::DrillFailure, std::uint64_t>> drill_failures;  // datasets with failures only
    Rows<std::int64_t> drill_intervals;
  };
  // The families of a copy, in /metrics order.
  static void WriteRuns(MetricWriter& out, const Copy& c);
  void WriteParity(MetricWriter& out, const Copy& c) const;
  static void WritePools(MetricWriter& out, const Copy& c);
  static void WriteSpace(MetricWriter& out, const Copy& c);
  void WriteDrills(MetricWriter& out, const Copy& c) const;
};

}  // namespace zpull::exporter
