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
#include "core/zfs.h"

namespace zpull::exporter {

class CheckMetrics : public prometheus::Collectable {
 public:
  // `target` is the dataset or pool checked; `host` the configured source
  // name or "local".
  void RecordRun(const std::string& check, const std::string& host, const std::string& target, bool success,
                 double seconds, std::int64_t when);
  void SetParity(const std::string& dataset, const checks::ParityReport& report);
  void SetPool(const std::string& host, const std::string& pool, const core::PoolStatus& status,
               const std::optional<core::PoolSpace>& space);
  void CountScrubStarted(const std::string& host, const std::string& pool);

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  struct Run {
    bool success = false;
    double seconds = 0;
    std::int64_t when = 0;
  };
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, std::string>, Run> runs_;  // (check, host, target)
  std::map<std::string, checks::ParityReport> parity_;                      // by dataset
  struct Pool {
    core::PoolStatus status;
    std::optional<core::PoolSpace> space;
    std::uint64_t scrubs_started = 0;
  };
  std::map<std::pair<std::string, std::string>, Pool> pools_;  // (host, pool)
};

}  // namespace zpull::exporter
