#pragma once
// The typed ZFS adapter: the only interface through which zpull touches ZFS.
// ZfsCli (zfs_cli.h) implements it over a CommandRunner and is the only code
// that knows `zfs` syntax and output dialects; FakeZfs (tests/support/fake_zfs.h) implements
// it in memory. One contract test suite runs against both.
//
// Implementations are thread-safe. Errors name the dataset and carry a Reason
// classified from the command's stderr (zfs_errors.h).

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/dataset_name.h"
#include "core/pool_status.h"
#include "core/result.h"
#include "core/runner.h"
#include "core/snapshot.h"
#include "core/snapshot_stream.h"

namespace zpull::core {

// What a host's ZFS can do, found by trying commands (never by version),
// but for snapshot_many (below).
// The first zpull-guard (guard/guard.h) that admits a tree's snapshot in
// one command: `zfs snapshot -r`, several names in one `zfs snapshot`.
inline constexpr int kGuardForTrees = 3;

struct ZfsFeatures {
  std::string version;         // "zfs-2.3.2", or "legacy" where `zfs version` is missing
  bool recv_unmounted = false;  // recv -u
  bool recv_resumable = false;  // recv -s, receive_resume_token
  bool list_parsable = false;   // zfs list -p
  bool json = false;            // zfs list -j
  bool send_estimate = false;   // send -nvP
  bool bookmarks = false;
  bool written = false;         // the `written` property
  bool send_raw = false;        // send -w
  bool send_compressed = false;  // send -c
  bool send_large_blocks = false;  // send -L
  bool send_embedded = false;   // send -e
  bool recv_property_override = false;  // recv -o / -x
  bool list_holds = false;      // `zfs holds` works (zfs-fuse's is broken)
  // The source's zpull-guard (`zpull-guard version`): 0 none, 1 one that
  // predates the version command (guard/guard.h), else its version.
  int guard = 0;
  bool get_types = false;       // zfs get -t filesystem,volume
  bool volmode = false;         // the volmode property (volumes)
  bool pool_status_json = false;  // zpool status -j --json-int
  // Several snapshots in one `zfs snapshot A@s B@s …`, all or none: every
  // zfs with `zfs version` (OpenZFS 0.8 and later; the form itself is
  // older); zfs-fuse refuses it ("too many arguments"). Told by `zfs
  // version` rather than tried: a try would be a snapshot command that a
  // guard before version 3 refuses, before zpull knows the guard; one
  // told wrongly costs only the one-per-dataset form (daemon/round.h).
  bool snapshot_many = false;
  // The probe's pool existed: the pool-dependent probes (written, get -t,
  // volmode, list -p/-j, status -j) tell about this zfs, not a missing pool.
  // Not a feature: never cached (a probe without its pool is not kept).
  bool pool_found = true;

  friend bool operator==(const ZfsFeatures&, const ZfsFeatures&) = default;
};

// Each yes/no feature, by the name metrics and the feature cache give it.
inline constexpr std::pair<const char*, bool ZfsFeatures::*> kFeatureFlags[] = {
    {"recv_unmounted", &ZfsFeatures::recv_unmounted},
    {"recv_resumable", &ZfsFeatures::recv_resumable},
    {"list_parsable", &ZfsFeatures::list_parsable},
    {"json", &ZfsFeatures::json},
    {"send_estimate", &ZfsFeatures::send_estimate},
    {"bookmarks", &ZfsFeatures::bookmarks},
    {"written", &ZfsFeatures::written},
    {"send_raw", &ZfsFeatures::send_raw},
    {"send_compressed", &ZfsFeatures::send_compressed},
    {"send_large_blocks", &ZfsFeatures::send_large_blocks},
    {"send_embedded", &ZfsFeatures::send_embedded},
    {"recv_property_override", &ZfsFeatures::recv_property_override},
    {"list_holds", &ZfsFeatures::list_holds},
    {"get_types", &ZfsFeatures::get_types},
    {"volmode", &ZfsFeatures::volmode},
    {"pool_status_json", &ZfsFeatures::pool_status_json},
    {"snapshot_many", &ZfsFeatures::snapshot_many},
};

// One user hold (zfs holds -Hp).
struct HoldInfo {
  std::string snapshot;  // short name
  std::string tag;
  std::int64_t since = 0;  // Unix seconds

  friend bool operator==(const HoldInfo&, const HoldInfo&) = default;
};

// One dataset of a tree listing and the value of the listed property
// (inherited values included); nullopt where it is not set ("-").
struct TreeEntry {
  std::string name;
  std::optional<std::string> value;

  friend bool operator==(const TreeEntry&, const TreeEntry&) = default;
};

// A property of one dataset as `zfs get` reports it. `source` is "local",
// "default", "received", "inherited from NAME", "temporary" or "-" (value
// "-": the property does not apply to the dataset's type).
struct PropertyValue {
  std::string value, source;

  friend bool operator==(const PropertyValue&, const PropertyValue&) = default;
};

// The listed properties of one filesystem or volume of a tree.
struct DatasetProperties {
  std::string name;
  std::map<std::string, PropertyValue> values;  // by property name

  friend bool operator==(const DatasetProperties&, const DatasetProperties&) = default;
};

// One property to set on a dataset, or (value nullopt) to `zfs inherit`.
struct PropertyChange {
  DatasetName fs;
  std::string property;
  std::optional<std::string> value;

  friend bool operator==(const PropertyChange&, const PropertyChange&) = default;
};

struct PoolSpace {
  std::uint64_t size = 0, allocated = 0, free = 0;  // bytes (exact where zpool list -p exists)
};

struct SendSpec {
  DatasetName fs;
  std::string to;                   // snapshot short name
  std::optional<std::string> from;  // incremental base (short name); none = full
  bool intermediates = true;        // -I (every snapshot between) rather than -i
  bool raw = false;                 // -w (encrypted blocks as they are on disk)
  bool compressed = false;          // -c
  bool large_blocks = false;        // -L
  bool embedded = false;            // -e
  bool properties = false;          // -p
  bool wire_zstd = false;           // the source pipes the stream through `zstd -c`
  bool from_bookmark = false;       // `from` names a bookmark (fs#from; -i only)
  // Non-empty: resume an interrupted receive (`send -t`); the fields above
  // then only name the transfer in messages.
  std::string resume_token;
};

struct RecvSpec {
  DatasetName fs;
  bool unmounted = true;   // -u
  bool resumable = false;  // -s
  bool force = false;      // -F (only where configured)
  std::vector<std::string> set;      // -o property=value (where recv_property_override)
  std::vector<std::string> exclude;  // -x property
};

class Zfs {
 public:
  virtual ~Zfs() = default;
  virtual const std::string& Host() const = 0;

  // Probes features, using `pool` (an existing pool or dataset) as a target.
  virtual Result<ZfsFeatures> Probe(const DatasetName& pool) = 0;
  // What the features depend on, as text (FeatureCache's key): the commands
  // and what `zfs version` (and a source's `zpull-guard version`) answer.
  virtual Result<std::string> Fingerprint() = 0;
  // Takes `f` as if Probe had found it (features from the cache).
  virtual void Adopt(const ZfsFeatures& f) = 0;
  // The snapshots of `fs`, oldest first; nullopt when `fs` does not exist.
  virtual Result<std::optional<SnapshotList>> ListSnapshots(const DatasetName& fs) = 0;
  // The snapshots of several filesystems with one command (a host's whole
  // share of a check pass or of a replication round), streamed one
  // filesystem at a time (core/snapshot_stream.h); absent filesystems come
  // as nullopt. `options`: by roots, and what else each block carries.
  virtual Result<std::unique_ptr<SnapshotStream>> StreamSnapshotsOf(const std::vector<DatasetName>& filesystems,
                                                                    const ListingOptions& options = {}) = 0;
  virtual Result<bool> Exists(const DatasetName& fs) = 0;
  virtual Status CreateSnapshot(const DatasetName& fs, const std::string& snap) = 0;
  // `root`@`snap` and the same snapshot of every dataset below it, at one
  // point in time (`zfs snapshot -r`).
  virtual Status CreateSnapshotTree(const DatasetName& root, const std::string& snap) = 0;
  // `snap` of each of `filesystems` with one command, at one point in time,
  // all or none (`zfs snapshot A@s B@s …`; ZfsFeatures::snapshot_many).
  virtual Status CreateSnapshots(const std::vector<DatasetName>& filesystems, const std::string& snap) = 0;
  // The snapshot `snap` of each of `filesystems`, with one command (batched
  // where long), by filesystem; one that has no such snapshot is left out.
  virtual Result<std::map<std::string, SnapshotInfo>> SnapshotOf(const std::vector<DatasetName>& filesystems,
                                                                 const std::string& snap) = 0;
  virtual Status DestroySnapshot(const DatasetName& fs, const std::string& snap) = 0;
  // Hold is ok when the tag is already there. Release returns whether the
  // tag was there (and is now gone); a missing tag is not an error.
  virtual Status Hold(const DatasetName& fs, const std::string& snap, const std::string& tag) = 0;
  // Holds each of `snapshots` ("fs@snap") with `tag`, one command per batch
  // of names; a batch fails where one of them fails (one has the tag
  // already, say), the others held or not (so: each on its own then).
  virtual Status HoldOf(const std::vector<std::string>& snapshots, const std::string& tag) = 0;
  virtual Result<bool> Release(const DatasetName& fs, const std::string& snap, const std::string& tag) = 0;
  // A user property ("module:name") set locally on a dataset, or on `fs@snap`
  // when `snap` is non-empty; nullopt when unset there, inherited, or
  // received in a stream (zpull's state is what zpull set, never what a
  // source sent: docs/security.md).
  virtual Result<std::optional<std::string>> GetUserProperty(const DatasetName& fs, const std::string& snap,
                                                             const std::string& property) = 0;
  // A native property's raw value (zfs get -Hp), e.g. "referenced".
  virtual Result<std::string> GetProperty(const DatasetName& fs, const std::string& property) = 0;
  // The same for several filesystems with one command; absent ones are left out.
  virtual Result<std::map<std::string, std::string>> GetPropertyOf(const std::vector<DatasetName>& filesystems,
                                                                   const std::string& property) = 0;
  virtual Status SetUserProperty(const DatasetName& fs, const std::string& snap, const std::string& property,
                                 const std::string& value) = 0;
  // The same value on several datasets or snapshots (full names) with one
  // command (a few, for very many); one that fails leaves the others set.
  virtual Status SetUserPropertyOf(const std::vector<std::string>& targets, const std::string& property,
                                   const std::string& value) = 0;
  // Snapshot short name -> value, for the snapshots of `fs` on which the user
  // property is set locally on the snapshot itself, not inherited or
  // received (one command);
  // nullopt when `fs` does not exist.
  virtual Result<std::optional<std::map<std::string, std::string>>> SnapshotUserProperty(
      const DatasetName& fs, const std::string& property) = 0;
  // Clones fs@snap as `target`, read-only, mounted at `mountpoint`.
  virtual Status Clone(const DatasetName& fs, const std::string& snap, const DatasetName& target,
                       const std::string& mountpoint) = 0;
  // Unmounts and destroys a filesystem without snapshots (a clone);
  // retries while zfs reports it busy. An absent one is not an error.
  virtual Status DestroyFilesystem(const DatasetName& fs) = 0;
  // Direct children of `parent` (filesystem names).
  virtual Result<std::vector<std::string>> ListChildren(const DatasetName& parent) = 0;
  // `root` and every filesystem and volume below it, parents before their
  // children, each with `property` (a user property such as zpull:backup).
  // Reason source_missing if `root` does not exist.
  virtual Result<std::vector<TreeEntry>> ListTree(const DatasetName& root, const std::string& property) = 0;
  // `properties` (plus `type`) of `fs` alone. Reason destination_missing
  // if it does not exist.
  virtual Result<DatasetProperties> GetProperties(const DatasetName& fs, const std::vector<std::string>& properties) = 0;
  // `properties` (plus `type`) of `root` and every filesystem and volume
  // below it, parents before their children, in one command. Reason
  // destination_missing if `root` does not exist.
  virtual Result<std::vector<DatasetProperties>> GetTreeProperties(const DatasetName& root,
                                                                   const std::vector<std::string>& properties) = 0;
  // Where `fs` is mounted; nullopt when not mounted (or mountpoint none/legacy).
  virtual Result<std::optional<std::string>> MountedAt(const DatasetName& fs) = 0;
  // `zpool status -v`, parsed (every dialect of core/pool_status.h).
  virtual Result<PoolStatus> GetPoolStatus(const std::string& pool) = 0;
  virtual Result<PoolSpace> GetPoolSpace(const std::string& pool) = 0;
  // Starts a scrub; one already running is not an error.
  virtual Status StartScrub(const std::string& pool) = 0;
  // Streams: send writes the stream to its stdout; recv reads it from stdin.
  // The stream size `zfs send -nvP` predicts (only where the probe found
  // send_estimate).
  virtual Result<std::uint64_t> EstimateSend(const SendSpec& spec) = 0;
  virtual Result<std::unique_ptr<Process>> StartSend(const SendSpec& spec) = 0;
  virtual Result<std::unique_ptr<Process>> StartRecv(const RecvSpec& spec) = 0;
  // The receive_resume_token of `fs`: what an interrupted `recv -s` saved;
  // nullopt when there is none or `fs` does not exist. Only where the probe
  // found recv_resumable.
  virtual Result<std::optional<std::string>> ResumeToken(const DatasetName& fs) = 0;
  // `zfs receive -A`: discards the partially received state of `fs`.
  virtual Status AbortPartialReceive(const DatasetName& fs) = 0;
  // Creates `fs` with canmount=off (a container for replicas); its parent
  // must exist.
  virtual Status CreateContainer(const DatasetName& fs) = 0;
  // `zfs rollback fs@snap` without -r: fails when newer snapshots exist.
  virtual Status Rollback(const DatasetName& fs, const std::string& snap) = 0;
  // A native property: `zfs set` / `zfs inherit`.
  virtual Status SetProperty(const DatasetName& fs, const std::string& property, const std::string& value) = 0;
  virtual Status InheritProperty(const DatasetName& fs, const std::string& property) = 0;
  // Bookmarks (where the probe found them): fs#name of fs@snap.
  virtual Status CreateBookmark(const DatasetName& fs, const std::string& snap, const std::string& bookmark) = 0;
  virtual Status DestroyBookmark(const DatasetName& fs, const std::string& bookmark) = 0;
  // The bookmarks of `fs` (name, guid, createtxg, creation), oldest first.
  virtual Result<SnapshotList> ListBookmarks(const DatasetName& fs) = 0;
  // The bookmarks of several filesystems with one command, by filesystem,
  // oldest first; filesystems that do not exist are left out.
  virtual Result<std::map<std::string, SnapshotList>> ListBookmarksOf(const std::vector<DatasetName>& filesystems) = 0;
  // The user holds on `snapshots` (full `fs@snap` names, of any
  // filesystems) with one command, by filesystem; where the probe found
  // list_holds.
  virtual Result<std::map<std::string, std::vector<HoldInfo>>> ListHoldsOf(const std::vector<std::string>& snapshots) = 0;
};

}  // namespace zpull::core
