#pragma once
// One replication cycle for one dataset: snapshot the source, list both
// sides, plan, transfer, protect the new incremental base with holds, record
// success on the destination, prune. Design note: docs/replication-cycle.md.
//
// Safety contract: nothing is destroyed on either side that the retention
// policy does not allow; the newest common snapshot and held snapshots are
// never destroyed; `recv -F` is used only when the job says `force`; pruning
// runs only after a successful transfer (or when already up to date). The
// one exception is `force_on_divergence`, which destroys exactly the
// destination snapshots newer than the newest common one (listed in the
// outcome) and is off unless configured.
//
// Failures of the transfer phase whose reason can pass (network, stalled,
// timeout, send/recv failures) are retried within the cycle after an
// exponential backoff; each attempt lists both sides again and resumes an
// interrupted receive from its token where the destination keeps one.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "core/zfs.h"
#include "replicate/plan.h"
#include "replicate/refusal.h"
#include "replicate/retention.h"
#include "replicate/snapshot_filter.h"
#include "replicate/transfer.h"

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

// Never taken from a stream: a replica must not mount over or share a host path.
inline const std::vector<std::string> kAlwaysExcluded = {"mountpoint", "sharenfs", "sharesmb"};
// zpull's own state on the destination: excluded from a received stream
// where recv -x exists; everywhere, only the value zpull set (source local)
// is read (Zfs::GetUserProperty), so a received one is never taken for it.
// (The drill's, daemon/drills.h, are named here with the others.)
inline constexpr const char* kDrillLastRunProperty = "zpull:drill_last_run";
inline constexpr const char* kDrillLastSuccessProperty = "zpull:drill_last_success";
inline constexpr const char* kDrillLastOutcomeProperty = "zpull:drill_last_outcome";
inline const std::vector<std::string> kStateProperties = {"zpull:common", "zpull:last_success", kDrillLastRunProperty,
                                                          kDrillLastSuccessProperty, kDrillLastOutcomeProperty};

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
  std::string prefix;    // own snapshot name prefix; also the hold tag
  bool take_snapshot = true;
  InitialMode initial = InitialMode::kNewest;
  bool force = false;    // allow `zfs receive -F`
  RetentionPolicy destination_retention;
  std::optional<RetentionPolicy> source_retention;  // none: never prune the source
  ReplicationOptions options;
  // The destination of a replicated ancestor (a recursive entry's child):
  // received by its own cycle, so it is never created as a container; while
  // it is missing this cycle fails (destination_missing) and retries later.
  std::optional<core::DatasetName> replicated_parent;
  // Another entry of the configuration pulls the same source dataset: a
  // snapshot this cycle took may be in that entry's stream, so a refused
  // cycle leaves it in place.
  bool source_shared = false;
};

// What every replica is given after each receive (docs/security.md): it
// never mounts by itself and carries no live setuid files or device nodes
// (a filesystem: canmount=noauto, setuid, devices and exec off; a volume:
// volmode=none), readonly=on where configured. A key that receive.set
// names is left to receive.set. In the order to apply them.
std::vector<std::pair<std::string, std::string>> ForcedProperties(const DatasetJob& job, bool volume);

// The source bookmark that marks what `destination` last received:
// "<prefix>_<destination with / as :>_<guid hex>"; BookmarkStem is all but the guid.
std::string BookmarkStem(const std::string& prefix, const core::DatasetName& destination);

// User properties zpull keeps on the destination (ZFS, not process memory,
// is what survives a restart).
inline constexpr const char* kLastSuccessProperty = "zpull:last_success";  // on the dataset, Unix seconds
inline constexpr const char* kCommonProperty = "zpull:common";  // on the newest common snapshot, Unix seconds

struct CycleOutcome {
  std::optional<core::Error> error;  // none: success
  Plan plan;
  std::uint64_t bytes = 0;
  std::string snapshot_taken;                         // empty when none was taken
  std::optional<core::SnapshotInfo> newest_common;    // after the cycle
  std::size_t source_snapshots = 0, destination_snapshots = 0;
  std::size_t pruned_source = 0, pruned_destination = 0;
  std::int64_t started = 0, finished = 0;
  int retries = 0;                            // attempts repeated within this cycle
  std::vector<core::Error> retried;           // why, in order
  int resumed = 0;                            // receives resumed from a token
  int tokens_aborted = 0;                     // tokens the source rejected (recv -A)
  std::vector<std::string> destroyed_on_divergence;  // force_on_divergence only
  bool rolled_back = false;                   // rollback_destination rolled back
  std::vector<std::string> created_parents;   // missing destination ancestors created (canmount=off)
  std::vector<core::Error> warnings;          // did not fail the cycle (e.g. a post-replication hook)
  std::vector<std::string> brought_into_line;  // "fs property=value" (or "fs property inherited") changed
  bool ok() const { return !error; }
};

struct CycleEnv {
  core::Zfs& source;
  core::Zfs& destination;
  core::ZfsFeatures destination_features;
  std::function<std::int64_t()> now;
  ByteSink on_bytes;  // may be empty
  core::ZfsFeatures source_features;
  // Where the source can estimate (probe: send_estimate), each step's
  // predicted size is reported here before it streams. May be empty.
  std::function<void(std::uint64_t)> on_estimate;
  std::vector<RateLimit*> rate_limits;        // bandwidth limits every transfer obeys
  const std::atomic<bool>* cancel = nullptr;  // true: stop (reason shutdown)
  // Waits `seconds` before a retry; false: stop waiting and give up (the
  // daemon is stopping). Empty: retry at once.
  std::function<bool(std::int64_t seconds)> pause;
  // Told of each failed attempt that is retried, when it fails, with the
  // wait before the next. May be empty.
  std::function<void(const core::Error& error, std::int64_t wait_seconds)> on_retry;
  ByteSink on_wire_bytes;  // bytes as they crossed the wire; may be empty
  // Found unsafe on the replica or below it by the last safety check
  // (checks/replica_safety.h): set before anything else; changes outside
  // the job's destination are ignored.
  std::vector<core::PropertyChange> bring_into_line;
  // false only in tests that prove the layers behind the stream check
  // (replicate/stream_check.h) on their own.
  bool check_streams = true;
  // Run once the destination has been checked and before the source is
  // snapshotted (the pre_snapshot hook); a failure fails the cycle with
  // nothing snapshotted or sent. May be empty.
  std::function<core::Status()> before_snapshot;
};

CycleOutcome RunCycle(const CycleEnv& env, const DatasetJob& job);

// What of `job` changes a refusal (replicate/refusal.h).
inline RefusalPolicy RefusalOf(const DatasetJob& job) {
  return {job.destination, job.force, job.options.force_on_divergence};
}

// The snapshot the cycle would take now (TakeSnapshot's name, suffix and
// all), appended to `source` with guid 0; returns its name. For planning
// before it exists: the check before the snapshot and the dry-run.
std::string AddPlannedSnapshot(const CycleEnv& env, const DatasetJob& job, core::SnapshotList& source);

// The cycle's plan from these listings (with the source's bookmarks where
// the cycle uses them).
Plan PlanFrom(const CycleEnv& env, const DatasetJob& job, const core::SnapshotList& source,
              const std::optional<core::SnapshotList>& destination);

// What the destination refuses before a cycle snapshots or sends, given its
// listing (nullopt: the dataset does not exist) and the plan: its pool
// missing, or (where it reports `written`, for a send without force or
// rollback_destination) a replica modified since its newest snapshot, the
// newest common one. The cycle and the dry-run ask it alike; a failing
// lookup is returned as the error.
std::optional<core::Error> DestinationRefusal(const CycleEnv& env, const DatasetJob& job,
                                              const std::optional<core::SnapshotList>& destination, const Plan& plan);

// Applies `changes` to the job's destination and the datasets below it
// (others are ignored), recording each in out.brought_into_line; a failure
// is a warning: the replica stays as it was, and the next safety check
// says so again.
void BringIntoLine(core::Zfs& destination, const DatasetJob& job, const std::vector<core::PropertyChange>& changes,
                   CycleOutcome& out);

}  // namespace zpull::replicate
