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

namespace zpull::core {

class FakeZfs : public Zfs {
 public:
  using Clock = std::function<std::int64_t()>;
  FakeZfs(std::string host, Clock clock);

  // Test set-up.
  void CreateFilesystem(const std::string& fs);
  void DestroyFilesystem(const std::string& fs);
  void MarkModified(const std::string& fs);  // as if a file was written (`written` 4096)
  void SetFeatures(ZfsFeatures f);
  std::uint64_t Holds(const std::string& fs, const std::string& snap);
  void SetPool(const std::string& pool, PoolStatus status, PoolSpace space);
  int ScrubsStarted(const std::string& pool);
  // The next send delivers all but the end of its stream and then fails as
  // a broken connection would (reason network).
  void CutNextSend();
  // The last send and receive started, and the properties `zfs inherit`ed
  // on a filesystem (in order), as a test wants to see them.
  std::optional<SendSpec> LastSend();
  std::optional<RecvSpec> LastRecv();
  std::vector<std::string> Inherited(const std::string& fs);
  // How often `fs`'s snapshots were listed (ListSnapshots, StreamSnapshotsOf).
  int Listings(const std::string& fs);

  const std::string& Host() const override { return host_; }
  Result<ZfsFeatures> Probe(const DatasetName& pool) override;
  Result<std::optional<SnapshotList>> ListSnapshots(const DatasetName& fs) override;
  Result<std::unique_ptr<SnapshotStream>> StreamSnapshotsOf(const std::vector<DatasetName>& filesystems) override;
  Result<bool> Exists(const DatasetName& fs) override;
  Status CreateSnapshot(const DatasetName& fs, const std::string& snap) override;
  Status DestroySnapshot(const DatasetName& fs, const std::string& snap) override;
  Status Hold(const DatasetName& fs, const std::string& snap, const std::string& tag) override;
  Result<bool> Release(const DatasetName& fs, const std::string& snap, const std::string& tag) override;
  Result<std::optional<std::string>> GetUserProperty(const DatasetName& fs, const std::string& snap,
                                                     const std::string& property) override;
  Result<std::string> GetProperty(const DatasetName& fs, const std::string& property) override;
  Result<std::map<std::string, std::string>> GetPropertyOf(const std::vector<DatasetName>& filesystems,
                                                           const std::string& property) override;
  Status SetUserProperty(const DatasetName& fs, const std::string& snap, const std::string& property,
                         const std::string& value) override;
  Result<std::optional<std::map<std::string, std::string>>> SnapshotUserProperty(
      const DatasetName& fs, const std::string& property) override;
  Status Clone(const DatasetName& fs, const std::string& snap, const DatasetName& target,
               const std::string& mountpoint) override;
  Status DestroyFilesystem(const DatasetName& fs) override;
  Result<std::vector<std::string>> ListChildren(const DatasetName& parent) override;
  Result<std::vector<TreeEntry>> ListTree(const DatasetName& root, const std::string& property) override;
  Result<std::optional<std::string>> MountedAt(const DatasetName& fs) override;
  Result<PoolStatus> GetPoolStatus(const std::string& pool) override;
  Result<PoolSpace> GetPoolSpace(const std::string& pool) override;
  Status StartScrub(const std::string& pool) override;
  Result<std::uint64_t> EstimateSend(const SendSpec& spec) override;
  Result<std::unique_ptr<Process>> StartSend(const SendSpec& spec) override;
  Result<std::unique_ptr<Process>> StartRecv(const RecvSpec& spec) override;
  Result<std::optional<std::string>> ResumeToken(const DatasetName& fs) override;
  Status AbortPartialReceive(const DatasetName& fs) override;
  Status CreateContainer(const DatasetName& fs) override;
  Status Rollback(const DatasetName& fs, const std::string& snap) override;
  Status SetProperty(const DatasetName& fs, const std::string& property, const std::string& value) override;
  Status InheritProperty(const DatasetName& fs, const std::string& property) override;
  Status CreateBookmark(const DatasetName& fs, const std::string& snap, const std::string& bookmark) override;
  Status DestroyBookmark(const DatasetName& fs, const std::string& bookmark) override;
  Result<SnapshotList> ListBookmarks(const DatasetName& fs) override;
  Result<std::map<std::string, SnapshotList>> ListBookmarksOf(const std::vector<DatasetName>& filesystems) override;
  Result<std::map<std::string, std::vector<HoldInfo>>> ListHoldsOf(const std::vector<std::string>& snapshots) override;

  // Applies a received stream; returns the exit status and stderr a real
  // `zfs receive` would. Used by the fake receive process.
  // `interrupted`: the receive was stopped, so only what arrived counts.
  ExitInfo Receive(const RecvSpec& spec, const std::string& stream, bool interrupted);

 private:
  std::map<std::string, int> listings_;  // by filesystem
  struct Snap {
    SnapshotInfo info;
    std::map<std::string, std::int64_t> holds;  // tag -> since
    std::map<std::string, std::string> props;
  };
  struct Fs {
    std::vector<Snap> snaps;  // oldest first
    std::map<std::string, std::string> props;
    bool modified = false;
    // Saved by an interrupted `recv -s`: the token names the send to resume.
    std::optional<std::string> resume_token;
    bool partial_only = false;  // created by an interrupted full receive
    SnapshotList bookmarks;     // oldest first
  };
  Snap* FindSnap(Fs& fs, const std::string& name);

  const std::string host_;
  const Clock clock_;
  std::mutex mu_;
  std::map<std::string, Fs> fs_;  // guarded by mu_
  ZfsFeatures features_;          // guarded by mu_
  std::map<std::string, std::pair<PoolStatus, PoolSpace>> pools_;  // guarded by mu_
  std::map<std::string, int> scrubs_;                              // guarded by mu_
  bool cut_next_send_ = false;                 // guarded by mu_
  std::optional<SendSpec> last_send_;         // guarded by mu_
  std::optional<RecvSpec> last_recv_;         // guarded by mu_
  std::map<std::string, std::vector<std::string>> inherited_;  // guarded by mu_
  std::uint64_t next_txg_ = 100;  // guarded by mu_
  std::uint64_t next_guid_;       // guarded by mu_
};

}  // namespace zpull::core
