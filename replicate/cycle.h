#pragma once
// One replication cycle for one dataset: list both sides, decide
// (replicate/decide.h), snapshot the source, transfer, protect the new
// incremental base with holds, record success on the destination, prune.
// Design note: docs/replication-cycle.md.
//
// Safety contract: on the destination nothing is destroyed that the
// retention policy does not allow, but for `force_on_divergence` (off
// unless configured; exactly the snapshots newer than the newest common
// one, listed in the outcome) and snapshots a source's stream brought
// unasked (DropUnplanned). On the source only zpull's own snapshots are
// destroyed: older than the newest common one after a successful cycle
// (source_retention), never sent and replaced by the new one, or taken by
// this cycle and refused. The newest common snapshot, held snapshots and
// what another entry pulling the same source dataset needs are never
// destroyed; `recv -F` is used only when the job says `force`; pruning
// runs only after a successful transfer (or when already up to date).
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
#include "replicate/decide.h"
#include "replicate/job.h"
#include "replicate/plan.h"
#include "replicate/refusal.h"
#include "replicate/retention.h"
#include "replicate/snapshot_filter.h"
#include "replicate/state.h"
#include "replicate/transfer.h"

namespace zpull::replicate {

// Never taken from a stream: a replica must not mount over or share a host path.
inline const std::vector<std::string> kAlwaysExcluded = {"mountpoint", "sharenfs", "sharesmb"};
// zpull's own state on the destination: excluded from a received stream
// where recv -x exists; everywhere, only the value zpull set (source local)
// is read (Zfs::GetUserProperty), so a received one is never taken for it.
// (The drill's, daemon/drills.h, are named here with the others.)
inline constexpr const char* kDrillLastRunProperty = "zpull:drill_last_run";
inline constexpr const char* kDrillLastSuccessProperty = "zpull:drill_last_success";
inline constexpr const char* kDrillLastOutcomeProperty = "zpull:drill_last_outcome";
// Where the drills are in their pass over the files (checks::FormatRotation),
// and "COVERED/TOTAL" files of the last drill's snapshot read in that pass.
inline constexpr const char* kDrillRotationProperty = "zpull:drill_rotation";
inline constexpr const char* kDrillCoveredProperty = "zpull:drill_covered";
inline const std::vector<std::string> kStateProperties = {
    "zpull:common",           "zpull:last_success",   kDrillLastRunProperty, kDrillLastSuccessProperty,
    kDrillLastOutcomeProperty, kDrillRotationProperty, kDrillCoveredProperty};

// What every replica is given after each receive (docs/security.md): it
// never mounts by itself and carries no live setuid files or device nodes
// (a filesystem: canmount=noauto, setuid, devices and exec off; a volume:
// volmode=none), readonly=on where configured. A key that receive.set
// names is left to receive.set. In the order to apply them.
std::vector<std::pair<std::string, std::string>> ForcedProperties(const DatasetJob& job, bool volume);


struct CycleOutcome {
  std::optional<core::Error> error;  // none: success
  Plan plan;
  std::uint64_t bytes = 0;
  std::string snapshot_taken;                         // empty when none was taken
  std::vector<std::string> replaced;                  // own, never sent, destroyed for snapshot_taken
  std::optional<core::SnapshotInfo> newest_common;    // after the cycle
  std::size_t source_snapshots = 0, destination_snapshots = 0;
  std::size_t pruned_source = 0, pruned_destination = 0;
  std::vector<std::string> pruned_source_names, pruned_destination_names;  // for the log
  bool source_prune_failed = false;                   // a warning: the source refused a destroy
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
  // Records zpull:last_success=`when` on the destination dataset, where a
  // round writes it for all its datasets at once; empty: the cycle sets it.
  std::function<core::Status(std::int64_t when)> record_success;
  // Holds the destination's new base `snap` with the job's tag and marks
  // it zpull:common=`when`, where a round writes those for all its
  // datasets at once (daemon/round.h); the cycle itself releases the old
  // hold. Empty: the cycle moves the hold and marks the base itself.
  std::function<core::Status(const std::string& snap, std::int64_t when)> record_base;
  // A snapshot of this dataset that its round took with the rest of its
  // tree (daemon/round.h), already on the source: the cycle takes none,
  // runs no before_snapshot, and replicates this one, which counts as the
  // snapshot it took. Refused, the cycle leaves it (the tree keeps its
  // point in time; the next cycle sends or replaces it). Empty: none.
  std::string tree_snapshot;
};

// `listed`: what the hosts showed, read for a whole host at once (a round:
// replicate/listings.h), which the decision uses instead of reading its
// own; later attempts read anew.
CycleOutcome RunCycle(const CycleEnv& env, const DatasetJob& job, std::optional<Listings> listed = std::nullopt);

// What the hosts show of `job` for Decide (replicate/decide.h): both
// sides' snapshots, the source's bookmarks where the cycle uses them, and
// only where they matter the resume token, `written`, the destination's
// pool and missing parents; with `siblings`, the destinations of
// job.source_siblings. A missing source is an error (source_missing).
core::Result<Listings> ReadListings(const CycleEnv& env, const DatasetJob& job, bool siblings);

// Applies `changes` to the job's destination and the datasets below it
// (others are ignored), recording each in out.brought_into_line; a failure
// is a warning: the replica stays as it was, and the next safety check
// says so again.
void BringIntoLine(core::Zfs& destination, const DatasetJob& job, const std::vector<core::PropertyChange>& changes,
                   CycleOutcome& out);

}  // namespace zpull::replicate
