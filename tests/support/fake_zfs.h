#pragma once
// An in-memory ZFS for tests and dry experiments. It implements the Zfs
// interface with the semantics the contract tests (tests/contract) check
// against real zfs-fuse: guids survive send/receive, -I brings every
// intermediate snapshot, an incremental needs its base on the destination
// (newer destination snapshots without changes are kept), a modified destination refuses incrementals without
// -F, holds block destroy. Streams are a small text format, so a stream cut
// short fails like a real one.
//
// Thread-safe: one mutex guards all state.

#include <functional>
#include <map>
#include <mutex>
#include <set>

#include "core/zfs.h"

namespace zpull::test {

class FakeZfs : public core::Zfs {
 public:
  using Clock = std::function<std::int64_t()>;
  FakeZfs(std::string host, Clock clock);

  // Test set-up.
  void CreateFilesystem(const std::string& fs);
  void DestroyFilesystem(const std::string& fs);
  void MarkModified(const std::string& fs);  // as if a file was written (`written` 4096)
  void SetFeatures(core::ZfsFeatures f);
  std::uint64_t Holds(const std::string& fs, const std::string& snap);
  void SetPool(const std::string& pool, core::PoolStatus status, core::PoolSpace space);
  // The next send delivers all but the end of its stream and then fails as
  // a broken connection would (reason network).
  void CutNextSend();
  // The last send and receive started, and the properties `zfs inherit`ed
  // on a filesystem (in order), as a test wants to see them.
  std::optional<core::SendSpec> LastSend();
  std::optional<core::RecvSpec> LastRecv();
  std::vector<std::string> Inherited(const std::string& fs);
  // How often `fs`'s snapshots were listed (ListSnapshots, StreamSnapshotsOf).
  int Listings(const std::string& fs);
  // Writes of user property `property` fail from now on (empty: none do).
  void FailUserProperty(const std::string& property);
  // How many commands changed something: snapshots, holds, bookmarks and
  // user properties made or removed (a batched one counts once).
  int Writes();
  // The `zfs snapshot` commands run, each as its arguments ("-r a@s", "a@s b@s").
  std::vector<std::string> SnapshotCommands();
  // Snapshots of `fs` fail from now on (as a full pool would), alone or
  // with others: one such name fails the whole command (empty: none fail).
  void FailSnapshotOf(const std::string& fs);

  const std::string& Host() const override { return host_; }
  core::Result<core::ZfsFeatures> Probe(const core::DatasetName& pool) override;
  // "fake <host> <version>": changes with SetFeatures' version.
  core::Result<std::string> Fingerprint() override;
  void Adopt(const core::ZfsFeatures&) override {}
  core::Result<std::optional<core::SnapshotList>> ListSnapshots(const core::DatasetName& fs) override;
  core::Result<std::unique_ptr<core::SnapshotStream>> StreamSnapshotsOf(const std::vector<core::DatasetName>& filesystems,
                                                                        const core::ListingOptions& options = {}) override;
  core::Result<bool> Exists(const core::DatasetName& fs) override;
  core::Status CreateSnapshot(const core::DatasetName& fs, const std::string& snap) override;
  core::Status CreateSnapshotTree(const core::DatasetName& root, const std::string& snap) override;
  core::Status HoldOf(const std::vector<std::string>& snapshots, const std::string& tag) override;
  core::Status CreateSnapshots(const std::vector<core::DatasetName>& filesystems, const std::string& snap) override;
  core::Result<std::map<std::string, core::SnapshotInfo>> SnapshotOf(const std::vector<core::DatasetName>& filesystems,
                                                                     const std::string& snap) override;
  core::Status DestroySnapshot(const core::DatasetName& fs, const std::string& snap) override;
  core::Status Hold(const core::DatasetName& fs, const std::string& snap, const std::string& tag) override;
  core::Result<bool> Release(const core::DatasetName& fs, const std::string& snap, const std::string& tag) override;
  core::Result<std::optional<std::string>> GetUserProperty(const core::DatasetName& fs, const std::string& snap,
                                                     const std::string& property) override;
  core::Result<std::string> GetProperty(const core::DatasetName& fs, const std::string& property) override;
  core::Status SetUserPropertyOf(const std::vector<std::string>& targets, const std::string& property,
                                 const std::string& value) override;
  core::Result<std::map<std::string, std::string>> GetPropertyOf(const std::vector<core::DatasetName>& filesystems,
                                                           const std::string& property) override;
  core::Status SetUserProperty(const core::DatasetName& fs, const std::string& snap, const std::string& property,
                         const std::string& value) override;
  core::Result<std::optional<std::map<std::string, std::string>>> SnapshotUserProperty(
      const core::DatasetName& fs, const std::string& property) override;
  core::Status Clone(const core::DatasetName& fs, const std::string& snap, const core::DatasetName& target,
               const std::string& mountpoint) override;
  core::Status DestroyFilesystem(const core::DatasetName& fs) override;
  core::Result<std::vector<std::string>> ListChildren(const core::DatasetName& parent) override;
  core::Result<std::vector<core::TreeEntry>> ListTree(const core::DatasetName& root, const std::string& property) override;
  core::Result<core::DatasetProperties> GetProperties(const core::DatasetName& fs,
                                                     const std::vector<std::string>& properties) override;
  core::Result<std::vector<core::DatasetProperties>> GetTreeProperties(
      const core::DatasetName& root, const std::vector<std::string>& properties) override;
  core::Result<std::optional<std::string>> MountedAt(const core::DatasetName& fs) override;
  core::Result<core::PoolStatus> GetPoolStatus(const std::string& pool) override;
  core::Result<core::PoolSpace> GetPoolSpace(const std::string& pool) override;
  core::Status StartScrub(const std::string& pool) override;
  core::Result<std::uint64_t> EstimateSend(const core::SendSpec& spec) override;
  core::Result<std::unique_ptr<core::Process>> StartSend(const core::SendSpec& spec) override;
  core::Result<std::unique_ptr<core::Process>> StartRecv(const core::RecvSpec& spec) override;
  core::Result<std::optional<std::string>> ResumeToken(const core::DatasetName& fs) override;
  core::Status AbortPartialReceive(const core::DatasetName& fs) override;
  core::Status CreateContainer(const core::DatasetName& fs) override;
  core::Status Rollback(const core::DatasetName& fs, const std::string& snap) override;
  core::Status SetProperty(const core::DatasetName& fs, const std::string& property, const std::string& value) override;
  core::Status InheritProperty(const core::DatasetName& fs, const std::string& property) override;
  core::Status CreateBookmark(const core::DatasetName& fs, const std::string& snap, const std::string& bookmark) override;
  core::Status DestroyBookmark(const core::DatasetName& fs, const std::string& bookmark) override;
  core::Result<core::SnapshotList> ListBookmarks(const core::DatasetName& fs) override;
  core::Result<std::map<std::string, core::SnapshotList>> ListBookmarksOf(const std::vector<core::DatasetName>& filesystems) override;
  core::Result<std::map<std::string, std::vector<core::HoldInfo>>> ListHoldsOf(const std::vector<std::string>& snapshots) override;

  // Applies a received stream; returns the exit status and stderr a real
  // `zfs receive` would. Used by the fake receive process.
  // `interrupted`: the receive was stopped, so only what arrived counts.
  core::ExitInfo Receive(const core::RecvSpec& spec, const std::string& stream, bool interrupted);

 private:
  std::map<std::string, int> listings_;  // by filesystem
  int writes_ = 0;  // commands that changed something (Writes)
  std::string failing_property_;  // FailUserProperty
  std::vector<std::string> snapshot_commands_;  // SnapshotCommands
  std::string failing_snapshot_fs_;             // FailSnapshotOf
  // Snapshots `snap` of each of `filesystems` at one txg, all or none; with mu_.
  core::Status SnapshotAllLocked(const std::vector<std::string>& filesystems, const std::string& snap);
  core::Status SetUserPropertyLocked(const core::DatasetName& fs, const std::string& snap, const std::string& property,
                                     const std::string& value);
  struct Snap {
    core::SnapshotInfo info;
    std::map<std::string, std::int64_t> holds;  // tag -> since
    std::map<std::string, std::string> props;
  };
  struct Fs {
    std::vector<Snap> snaps;  // oldest first
    std::map<std::string, std::string> props;     // set locally
    std::map<std::string, std::string> received;  // by a -p stream; hidden again by `zfs inherit`
    bool modified = false;
    // Saved by an interrupted `recv -s`: the token names the send to resume.
    std::optional<std::string> resume_token;
    bool partial_only = false;  // created by an interrupted full receive
    core::SnapshotList bookmarks;     // oldest first
  };
  Snap* FindSnap(Fs& fs, const std::string& name);

  const std::string host_;
  const Clock clock_;
  std::mutex mu_;
  std::map<std::string, Fs> fs_;  // guarded by mu_
  core::ZfsFeatures features_;          // guarded by mu_
  std::map<std::string, std::pair<core::PoolStatus, core::PoolSpace>> pools_;  // guarded by mu_
  bool cut_next_send_ = false;                 // guarded by mu_
  std::optional<core::SendSpec> last_send_;         // guarded by mu_
  std::optional<core::RecvSpec> last_recv_;         // guarded by mu_
  std::map<std::string, std::vector<std::string>> inherited_;  // guarded by mu_
  std::uint64_t next_txg_ = 100;  // guarded by mu_
  std::uint64_t next_guid_;       // guarded by mu_
};

}  // namespace zpull::test
