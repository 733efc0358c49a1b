#pragma once
// What the configuration asks of one dataset's replication, as the cycle
// (replicate/cycle.h) and its decision (replicate/decide.h) read it.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/dataset_name.h"
#include "replicate/plan.h"
#include "replicate/refusal.h"
#include "replicate/retention.h"
#include "replicate/snapshot_filter.h"

namespace zpull::replicate {

// Which optional send flags to use when both sides support them.
struct SendPolicy {
  bool compressed = true;    // -c
  bool large_blocks = true;  // -L
  bool embedded = true;      // -e
  bool properties = false;   // -p (the replica's mountpoint is then reset to inherit)
  // An encrypted source is always sent raw (-w) unless this says it may
  // travel decrypted.
  bool send_decrypted = false;
  // The source compresses the stream with `zstd -c` for the wire (for
  // uncompressed data over slow links); zpull decompresses it.
  bool wire_zstd = false;
};

// Properties a received stream may carry (with send.properties) and
// overrides for the replica: `exclude` are never taken from the stream
// (besides mountpoint, sharenfs and sharesmb, which never are), `set` is
// applied to the replica (recv -o/-x where the probe found them; otherwise
// zfs inherit / zfs set right after the receive).
struct ReceivePolicy {
  std::vector<std::string> exclude;
  std::map<std::string, std::string> set;
};

struct TransferPolicy {
  std::chrono::milliseconds stall_timeout = std::chrono::minutes(10);
  std::chrono::milliseconds total_timeout{0};  // 0: none
  int retries = 3;                             // further attempts within one cycle
  std::int64_t retry_backoff_seconds = 30;     // doubled per attempt, at most 10 min
};

// How a dataset is replicated beyond what and when (the configuration's
// keys of the same names, at the top level and per dataset).
struct ReplicationOptions {
  SnapshotFilter snapshots;  // snapshots: {include, exclude}: which source snapshots travel (own ones always)
  SendPolicy send;           // send: {compressed, large_blocks, embedded, properties, decrypted}
  ReceivePolicy receive;     // receive: {exclude: [..], set: {property: value}}
  TransferPolicy transfer;   // stall_timeout, transfer_timeout, retries, retry_backoff
  bool readonly = true;                // readonly=on after every receive (replicate::ForcedProperties)
  bool rollback_destination = false;   // roll back to the newest common snapshot before an incremental
  bool force_on_divergence = false;    // destroy destination snapshots newer than the newest common one
  bool bookmarks = true;               // keep a source bookmark of the newest replicated snapshot
};

// How many suffixed names (_1 … _9) a cycle tries when its snapshot's
// name is taken (two cycles within one second).
inline constexpr int kMaxSnapshotNameSuffix = 9;

struct DatasetJob {
  core::DatasetName source;
  core::DatasetName destination;
  std::string prefix;    // own snapshot name prefix; the destination's hold tag
  bool take_snapshot = true;
  InitialMode initial = InitialMode::kNewest;
  bool force = false;    // allow `zfs receive -F`
  RetentionPolicy destination_retention;
  // After a successful cycle, zpull's own source snapshots older than the
  // newest common one go but for what these rules keep (no rules: none
  // kept). nullopt: never prune the source (`source_retention: {prune: false}`).
  std::optional<RetentionPolicy> source_retention = RetentionPolicy{};
  ReplicationOptions options;
  // The destination of a replicated ancestor (a recursive entry's child):
  // received by its own cycle, so it is never created as a container; while
  // it is missing this cycle fails (destination_missing) and retries later.
  std::optional<core::DatasetName> replicated_parent;
  // The destinations of the configuration's other entries that pull the
  // same source dataset: their newest common snapshots are never pruned
  // from the source nor replaced, and a snapshot this cycle took may be in
  // their streams, so a refused cycle leaves it in place.
  std::vector<core::DatasetName> source_siblings;
};

// The tag of the job's hold on its newest common snapshot on the source:
// one per entry, "<prefix>_<destination with / as :>", so that entries
// pulling one source dataset do not release each other's. (Before, the
// prefix alone: LegacyHoldTag, moved to this tag by each entry's cycle.)
std::string SourceHoldTag(const std::string& prefix, const core::DatasetName& destination);
inline std::string SourceHoldTag(const DatasetJob& job) { return SourceHoldTag(job.prefix, job.destination); }
inline const std::string& LegacyHoldTag(const DatasetJob& job) { return job.prefix; }

// The source bookmark that marks what `destination` last received:
// "<prefix>_<destination with / as :>_<guid hex>"; BookmarkStem is all but the guid.
std::string BookmarkStem(const std::string& prefix, const core::DatasetName& destination);

// What of `job` changes a refusal (replicate/refusal.h).
inline RefusalPolicy RefusalOf(const DatasetJob& job) {
  return {job.destination, job.force, job.options.force_on_divergence};
}

}  // namespace zpull::replicate
