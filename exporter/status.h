#pragma once
// What a running zpull is doing, for people: /status (JSON), the HTML page
// at /, and `zpull status` (a terminal table over the control socket). One
// report, built from the metrics' state, three renderings. Pure.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace zpull::exporter {

struct DatasetStatus {
  std::string dataset, source;     // destination (the metrics' label), "host:dataset" on the source
  std::string state;               // idle, running, paused
  std::optional<std::int64_t> lag_seconds, last_success;
  std::string last_result = "-";   // ok, failed, - (no cycle yet)
  std::string last_reason;         // when failed
  // A running transfer: bytes of this cycle, the zfs send -nvP estimate
  // where the source gives one, average rate since the cycle started, ETA.
  std::uint64_t bytes = 0;
  std::optional<std::uint64_t> expected_bytes;
  std::optional<double> bytes_per_second, eta_seconds;
  std::string drill_outcome;       // ok, a failure name, or empty: no drill yet
  std::optional<std::int64_t> drill_last_success;
};

struct PoolStatusRow {
  std::string host, pool, health;
  bool scrubbing = false;
  std::optional<double> scrub_progress;
  std::optional<std::int64_t> last_scrub;
  std::uint64_t scrub_errors = 0, permanent_errors = 0;
};

struct StatusReport {
  std::int64_t now = 0;
  std::string version;
  std::vector<DatasetStatus> datasets;
  std::vector<PoolStatusRow> pools;
};

// Rate and ETA of a transfer that moved `bytes` in `seconds`, expecting
// `expected` in all; nullopt where they cannot be told.
std::optional<double> TransferRate(std::uint64_t bytes, std::int64_t seconds);
std::optional<double> TransferEta(std::uint64_t bytes, std::optional<std::uint64_t> expected, std::optional<double> rate);

// "552.6 KiB / 1.0 GiB 54% at 184.2 KiB/s, ETA 2m10s" (parts it has).
std::string TransferText(std::uint64_t bytes, std::optional<std::uint64_t> expected, std::optional<double> rate,
                         std::optional<double> eta);

std::string StatusJson(const StatusReport& r);
std::string StatusTable(const StatusReport& r);
std::string StatusHtml(const StatusReport& r);

// "1h05m", "42s", "3d02h"; "-" for nullopt.
std::string HumanDuration(std::optional<double> seconds);
// "1.5 GiB", "812 B".
std::string HumanBytes(double bytes);

}  // namespace zpull::exporter
