#pragma once
// Rounds: each source host's due datasets plan from one listing per side.
// The first cycle of a host that starts without a share of a fresh
// listing lists every dataset of that host whose cycle is about to start
// (Scheduler::Upcoming) with one command per side and kind (a recursive
// entry by its roots, `zfs get -r ROOT`; other datasets with `-r -d 1
// FS…`), and each of those cycles then decides from its share
// (replicate/listings.h). A share is used once, within kFresh of the
// listing; a cycle without one reads its own, as do first receives and
// entries that share a source dataset with another.
//
// A recursive entry's datasets in a round that take snapshots are
// snapshotted together, once, with one name chosen over all their
// listings: `zfs snapshot -r ROOT@S` where they are the whole tree below
// the entry's root, `zfs snapshot A@S B@S …` where the source can
// (ZfsFeatures::snapshot_many), one command per dataset otherwise; the
// last also where the one command fails for another reason than the name,
// so that one dataset's trouble (say, its quota) fails only its cycle. A
// guard older than version 3 (guard/guard.h) gets one command per dataset.
// The entry's pre_snapshot hook runs once, before. Each of those cycles
// then replicates that snapshot (replicate::CycleEnv::tree_snapshot).
//
// The zpull:last_success of the cycles that took a share is written per
// host with one `zfs set` for all of them (the earliest of their times),
// and so are the holds and zpull:common marks of their destinations' new
// bases: one `zfs hold` and one `zfs set` per batch, before the last
// successes (a base that cannot be held or marked fails its dataset's
// last success, and the next cycle records it again). The old hold goes
// in the cycle, so a new base is unheld until its batch is written: at
// most about 2 * kFlushAfter, on the backup host itself. Sources are held in each
// cycle (each entry's hold tag is its own, and `zfs hold` takes one tag).
// All of it is written
// when the host's round is done (every share taken and every such cycle
// ended), when the oldest waiting value is kFlushAfter old, when the next
// round starts, and at Flush.
//
// Thread-safe: one mutex per source host, and one for the writes.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <vector>

#include "config/config.h"
#include "daemon/hosts.h"
#include "replicate/decide.h"
#include "replicate/job.h"

namespace zpull::daemon {

class Rounds {
 public:
  static constexpr std::chrono::seconds kFresh{30};
  static constexpr std::chrono::seconds kFlushAfter{10};
  // Datasets due within this are listed with a round (the daemon spreads
  // due times, FirstDue); their shares are still fresh when they start.
  static constexpr std::chrono::seconds kHorizon{15};
  // ZPULL_DATASETS of a tree's pre_snapshot hook is left empty past this.
  static constexpr std::size_t kMaxHookDatasetsBytes = 32 * 1024;
  // The datasets whose cycles are about to start or are running, of every
  // host (Scheduler::Upcoming).
  using Upcoming = std::function<std::vector<std::size_t>()>;
  // Told of a deferred write that failed, with the datasets it was for.
  using OnWriteError = std::function<void(const core::Error&, const std::vector<std::string>& datasets)>;

  Rounds(const config::Config& config, Hosts& hosts, Upcoming upcoming, OnWriteError on_error = {},
         std::function<std::int64_t()> now = {});

  // A dataset's part of its host's round.
  struct Share {
    std::optional<replicate::Listings> listed;  // nullopt: the cycle reads its own listings
    // The snapshot the round took of the dataset with the rest of its tree
    // (empty: none, the cycle takes its own where its job says so), and
    // when (Unix seconds): its interval counts from then, so that a tree's
    // datasets stay due together.
    std::string tree_snapshot;
    std::int64_t tree_at = 0;
  };

  // Dataset `index`'s job (JobFor), made once for all.
  const replicate::DatasetJob& Job(std::size_t index) const { return jobs_.at(index); }
  // Dataset `index`'s share of its host's round, listing the round first
  // where it has none (a failed round listing only costs the cycles their
  // listings, but where the host did not answer in time: then the error,
  // as where the tree's snapshot failed for this dataset). Every Take is
  // followed by Ended.
  // `last_change`: when the dataset's destination last changed, as its
  // lock tells (core::LockFile::LastChange): a share listed before then is
  // not used.
  core::Result<Share> Take(std::size_t index, std::int64_t last_change);
  // Records zpull:last_success=`when` for a cycle that took a share, with
  // its round's others.
  core::Status RecordSuccess(std::size_t index, std::int64_t when);
  // Holds `snap`, the new base of dataset `index`'s destination, and marks
  // it zpull:common=`when`, with its round's others
  // (replicate::CycleEnv::record_base).
  core::Status RecordBase(std::size_t index, const std::string& snap, std::int64_t when);
  // Dataset `index`'s cycle ended (after Take, whatever it returned).
  // A round lists the datasets of a host that are due, queued or running,
  // but for those between Take and Ended: they have read their listings,
  // and their own writes would make a share of theirs stale.
  void Ended(std::size_t index);
  // ... and all that follows it (the post_replication hook) is done.
  void Finished(std::size_t index);
  // Writes every waiting value now. The failures, by dataset index (with
  // those of earlier writes where no OnWriteError was given).
  std::vector<std::pair<std::size_t, core::Error>> Flush();
  // Writes the values that have waited kFlushAfter (a daemon calls it
  // every kFlushAfter).
  void FlushOld();
  // A round holds at most this many snapshots per listing; a larger one
  // leaves its cycles to list for themselves.
  static constexpr std::size_t kMaxSnapshots = std::size_t{4} << 20;

 private:
  struct Host {
    std::mutex mu;  // one round listing at a time
    std::map<std::size_t, replicate::Listings> shares;  // of the round listed at round_at; guarded by mu
    std::chrono::steady_clock::time_point round_at;  // when its listing ended; guarded by mu
    std::int64_t round_wall_ns = 0;  // round_at as Unix nanoseconds (against LockFile::LastChange); guarded by mu
    std::set<std::size_t> covered;  // the datasets the round listed, served or not; guarded by mu
    std::set<std::size_t> active;   // between Take and Ended; guarded by mu
    std::set<std::size_t> sharing;  // ... and took a share; guarded by mu
    // When and how the last round listing failed; guarded by mu.
    std::optional<std::pair<std::chrono::steady_clock::time_point, core::Error>> failed;
    // By dataset, until its cycle takes it: the tree snapshot taken for it
    // (Share), or why it could not be, and when; guarded by mu.
    struct Tree {
      core::Result<std::string> snapshot;
      std::int64_t at;
    };
    std::map<std::size_t, Tree> trees;
    // Between Ended and Finished (a hook, the metrics): not listed by a
    // round (its next cycle is an interval away); guarded by mu.
    std::set<std::size_t> finishing;
  };
  // What a round listed: the shares, and for the datasets whose trees
  // snapshot together the names their snapshot must not take
  // (replicate::TakenSnapshotNames).
  struct Listed {
    std::map<std::size_t, replicate::Listings> shares;
    std::map<std::size_t, std::vector<std::string>> taken;
  };
  // A deferred write: a last success (`base` empty) or a base to hold and mark.
  struct Pending {
    std::size_t index;
    std::int64_t when;
    std::chrono::steady_clock::time_point at;
    std::string base;
  };
  // Holds and marks `bases` (of FlushWrites' batch); the failures.
  std::vector<std::pair<std::size_t, core::Error>> WriteBases(const std::vector<Pending>& bases);

  core::Result<Listed> List(const std::string& source, const std::vector<std::size_t>& datasets);
  // Snapshots the trees of `listed` (with h.mu): each tree's datasets
  // that are in it, take snapshots and wait for none (h.trees).
  void SnapshotTrees(Host& h, const std::string& source, Listed& listed);
  // Snapshots `members` (of the tree at `root`) as `name`, or a free name
  // after it; the name taken, and each member's failure.
  std::string SnapshotTree(const std::string& source, const std::pair<std::string, std::string>& root,
                           const std::vector<std::size_t>& members, std::string name, std::set<std::string>& taken,
                           std::map<std::size_t, core::Error>& failed);
  // Dataset `index`'s share `listed` with its tree snapshot (from h.trees,
  // with h.mu).
  core::Result<Share> Claim(Host& h, std::size_t index, std::optional<replicate::Listings> listed);
  std::vector<std::pair<std::size_t, core::Error>> FlushWrites(const std::string& source);
  void Report(const std::vector<std::pair<std::size_t, core::Error>>& failed);
  bool Pends(const std::string& source, std::size_t index);

  const config::Config& config_;
  Hosts& hosts_;
  std::vector<replicate::DatasetJob> jobs_;  // by dataset
  // By dataset: the recursive entry's roots (source, destination); and
  // how many datasets each entry has.
  std::vector<std::optional<std::pair<std::string, std::string>>> roots_;
  std::map<std::pair<std::string, std::string>, std::size_t> tree_sizes_;
  const Upcoming upcoming_;
  const OnWriteError on_error_;
  const std::function<std::int64_t()> now_;
  std::map<std::string, std::unique_ptr<Host>> by_source_;  // fixed after construction
  std::mutex writes_mu_;
  std::map<std::string, std::vector<Pending>> pending_;  // by source; guarded by writes_mu_
  std::map<std::string, std::set<std::size_t>> pending_datasets_;  // their datasets (Pends); guarded by writes_mu_
  // Datasets whose base a flush could not record: their last successes are
  // withheld until they take again; guarded by writes_mu_.
  std::set<std::size_t> unrecorded_;
  // One flush per source at a time, from taking its batch to the end of
  // its writes (so that one pending is never seen as written); fixed
  // after construction.
  std::map<std::string, std::unique_ptr<std::mutex>> flush_mu_;
  // FlushWrites with flush_mu_ held.
  std::vector<std::pair<std::size_t, core::Error>> FlushWritesLocked(const std::string& source);
  std::vector<std::pair<std::size_t, core::Error>> unreported_;  // without on_error_; guarded by writes_mu_
};

}  // namespace zpull::daemon
