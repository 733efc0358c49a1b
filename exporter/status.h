#pragma once
// What a running zpull is doing, for people: /status (JSON, its schema in
// docs/status.md), the HTML page at / (exporter/status_page.h), and `zpull
// status` (a terminal table over the control socket). One report, built
// from the metrics' state, with one verdict, three renderings. Pure.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace zpull::exporter {

// A parity pass's findings for one dataset (checks/parity.h).
struct ParityStatus {
  std::size_t not_replicated = 0, holes = 0, guid_mismatches = 0, diverged = 0;
};

struct DatasetStatus {
  std::string dataset, source;     // destination (the metrics' label), "host:dataset" on the source
  std::string state;               // idle, running, paused
  std::optional<std::int64_t> lag_seconds, last_success;
  std::int64_t interval_seconds = 0;
  std::optional<std::int64_t> next_run;  // when the scheduler starts its next cycle (idle ones)
  std::string last_result = "-";   // ok, failed, - (no cycle yet)
  std::string last_reason;         // when failed: the reason's name,
  std::string last_message;        // the error's message (safe text),
  std::string remedy;              // and what to do (core::ReasonRemedy)
  // A running transfer: bytes of this cycle, the zfs send -nvP estimate
  // where the source gives one, average rate since the cycle started, ETA.
  std::uint64_t bytes = 0;
  std::optional<std::uint64_t> expected_bytes;
  std::optional<double> bytes_per_second, eta_seconds;
  std::optional<ParityStatus> parity;  // none before the first pass
  std::string drill_outcome;       // ok, a failure name, or empty: no drill yet
  std::optional<std::int64_t> drill_last_success, drill_last_run;
  std::optional<double> drill_covered_ratio;  // of the rotation through the snapshot's files
};

struct PoolStatusRow {
  std::string host, pool, health;
  bool scrubbing = false;
  std::optional<double> scrub_progress;
  std::optional<std::int64_t> last_scrub;
  std::uint64_t scrub_errors = 0, permanent_errors = 0;
  std::uint64_t vdev_errors = 0;  // read, write and checksum errors of every row of zpool status, summed
  std::optional<std::uint64_t> size_bytes, allocated_bytes;
};

// The last delivery to one notification target (daemon/notifier.h).
struct NotificationStatus {
  std::string kind;    // webhook, healthcheck
  std::string target;  // the URL's host only: URLs may hold tokens
  std::int64_t when = 0;
  bool ok = false;
  std::string error;   // when not ok
};

// What needs attention, and how much is fine: the page's banner.
struct Verdict {
  std::size_t datasets_healthy = 0, datasets_paused = 0, pools_healthy = 0;
  struct Finding {
    std::string what;  // a dataset, or "pool NAME on HOST"
    std::string why;   // "failing: network", "lag 3h12m (interval 15m)", "DEGRADED"
  };
  std::vector<Finding> attention;
  // "12 datasets and 2 pools healthy" / "2 need attention: …".
  std::string Headline() const;
};

struct StatusReport {
  std::int64_t now = 0;
  std::string version;
  std::string host;  // this backup host's name
  std::vector<DatasetStatus> datasets;
  std::vector<PoolStatusRow> pools;
  std::vector<NotificationStatus> notifications;
};

// Runbook of the failure reasons, where the page links a failure's remedy.
inline constexpr const char* kFailureReasonsUrl =
    "https://github.com/zpull/zpull/blob/main/docs/failure-reasons.md";

// A dataset needs attention when its last cycle failed, it never
// succeeded (and is not running its first cycle), its lag passes twice its
// interval (plus 5 minutes), parity found holes, guid mismatches or
// divergence, or its last drill failed; a paused one is counted apart. A
// pool when it is not ONLINE, its last scrub found errors, it has
// permanent or vdev errors, or it is over 85% full.
Verdict Judge(const StatusReport& r);

// Rate and ETA of a transfer that moved `bytes` in `seconds`, expecting
// `expected` in all; nullopt where they cannot be told.
std::optional<double> TransferRate(std::uint64_t bytes, std::int64_t seconds);
std::optional<double> TransferEta(std::uint64_t bytes, std::optional<std::uint64_t> expected, std::optional<double> rate);

// "552.6 KiB / 1.0 GiB 54% at 184.2 KiB/s, ETA 2m10s" (parts it has).
std::string TransferText(std::uint64_t bytes, std::optional<std::uint64_t> expected, std::optional<double> rate,
                         std::optional<double> eta);

std::string StatusJson(const StatusReport& r);
std::string StatusTable(const StatusReport& r);

// Shared with the page's rendering (exporter/status_page.cc).
std::string Ago(std::int64_t now, std::optional<std::int64_t> when);
std::string ParityText(const ParityStatus& p);
std::string DrillText(std::int64_t now, const DatasetStatus& d);
std::string ScrubText(std::int64_t now, const PoolStatusRow& p);
std::string TransferCell(const DatasetStatus& d);

// "1h05m", "42s", "3d02h"; "-" for nullopt.
std::string HumanDuration(std::optional<double> seconds);
// "1.5 GiB", "812 B".
std::string HumanBytes(double bytes);

}  // namespace zpull::exporter
