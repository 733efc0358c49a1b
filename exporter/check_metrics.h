#pragma once
// Results of zpull's verification checks as a prometheus-cpp Collectable:
// the generic zpull_check_* series for every check run, and the parity
// findings per dataset. Values are those of the last run; a scrape never
// runs a check. Thread-safe: all state is guarded by mu_.

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>

#include <prometheus/collectable.h>

#include "checks/parity.h"
#include "checks/restore_drill.h"
#include "core/zfs.h"
#include "exporter/status.h"

namespace zpull::exporter {

class CheckMetrics : public prometheus::Collectable {
 public:
  // `target` is the dataset or pool checked; `host` the configured source
  // name or "local".
  void RecordRun(const std::string& check, const std::string& host, const std::string& target, bool success,
                 double seconds, std::int64_t when);
  void SetParity(const std::string& dataset, const checks::ParityReport& report);
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

  std::vector<prometheus::MetricFamily> Collect() const override;

  // For `zpull status` and /status.
  std::vector<PoolStatusRow> Pools() const;
  std::optional<DrillState> DrillOf(const std::string& dataset) const;

 private:
  struct Run {
    bool success = false;
    double seconds = 0;
    std::int64_t when = 0;
  };
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, std::string>, Run> runs_;  // (check, host, target)
  std::map<std::string, checks::ParityReport> parity_;                      // by dataset
  std::map<std::string, std::size_t> unsafe_;                               // by dataset
  struct Pool {
    core::PoolStatus status;
    std::optional<core::PoolSpace> space;
    std::uint64_t scrubs_started = 0;
  };
  std::map<std::pair<std::string, std::string>, Pool> pools_;  // (host, pool)
  std::map<std::string, DrillState> drills_;                    // by dataset
  std::map<std::string, std::int64_t> drill_intervals_;         // by dataset
  std::map<std::string, std::map<checks::DrillFailure, std::uint64_t>> drill_failures_;
};

}  // namespace zpull::exporter
