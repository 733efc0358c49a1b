#pragma once
// The real ZFS adapter: runs `zfs` and `zpool` through a CommandRunner
// (local or SSH).
// It is the only code that knows zfs command syntax. Uses only forms that
// both dialects accept (docs/zfs-dialects.md §1, §10), e.g. `zfs get -Hp -r -d 1` for
// snapshot listings since zfs-fuse has no `zfs list -p`.

#include <atomic>
#include <functional>

#include "core/zfs.h"

namespace zpull::core {

// Thread-safe if the runner is.
class ZfsCli : public Zfs {
 public:
  // `zfs_command` and `zpool_command` are the argv prefixes that run zfs and
  // zpool, e.g. {"zfs"} or {"sudo", "-n", "zfs"}. The runner must outlive
  // this object.
  ZfsCli(CommandRunner& runner, Argv zfs_command = {"zfs"}, Argv zpool_command = {"zpool"});

  const std::string& Host() const override { return runner_.Host(); }
  Result<ZfsFeatures> Probe(const DatasetName& pool) override;
  Result<std::string> Fingerprint() override;
  void Adopt(const ZfsFeatures& f) override;
  Result<std::optional<SnapshotList>> ListSnapshots(const DatasetName& fs) override;
  Result<std::unique_ptr<SnapshotStream>> StreamSnapshotsOf(const std::vector<DatasetName>& filesystems,
                                                            const ListingOptions& options = {}) override;
  Result<bool> Exists(const DatasetName& fs) override;
  Status CreateSnapshot(const DatasetName& fs, const std::string& snap) override;
  Status CreateSnapshotTree(const DatasetName& root, const std::string& snap) override;
  Status HoldOf(const std::vector<std::string>& snapshots, const std::string& tag) override;
  Status CreateSnapshots(const std::vector<DatasetName>& filesystems, const std::string& snap) override;
  Result<std::map<std::string, SnapshotInfo>> SnapshotOf(const std::vector<DatasetName>& filesystems,
                                                         const std::string& snap) override;
  Status DestroySnapshot(const DatasetName& fs, const std::string& snap) override;
  Status Hold(const DatasetName& fs, const std::string& snap, const std::string& tag) override;
  Result<bool> Release(const DatasetName& fs, const std::string& snap, const std::string& tag) override;
  Result<std::optional<std::string>> GetUserProperty(const DatasetName& fs, const std::string& snap,
                                                     const std::string& property) override;
  Result<std::string> GetProperty(const DatasetName& fs, const std::string& property) override;
  Result<std::map<std::string, std::string>> GetPropertyOf(const std::vector<DatasetName>& filesystems,
                                                           const std::string& property) override;
  Status SetUserPropertyOf(const std::vector<std::string>& targets, const std::string& property,
                           const std::string& value) override;
  Status SetUserProperty(const DatasetName& fs, const std::string& snap, const std::string& property,
                         const std::string& value) override;
  Result<std::optional<std::map<std::string, std::string>>> SnapshotUserProperty(
      const DatasetName& fs, const std::string& property) override;
  Status Clone(const DatasetName& fs, const std::string& snap, const DatasetName& target,
               const std::string& mountpoint) override;
  Status DestroyFilesystem(const DatasetName& fs) override;
  Result<std::vector<std::string>> ListChildren(const DatasetName& parent) override;
  Result<std::vector<TreeEntry>> ListTree(const DatasetName& root, const std::string& property) override;
  Result<DatasetProperties> GetProperties(const DatasetName& fs, const std::vector<std::string>& properties) override;
  Result<std::vector<DatasetProperties>> GetTreeProperties(const DatasetName& root,
                                                           const std::vector<std::string>& properties) override;
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

  // Whether a failed command's result is an answer after all.
  using Accept = std::function<bool(const CommandResult&)>;

  // The argv of a send or receive, for logs and dry runs.
  Argv SendArgv(const SendSpec& spec) const;
  Argv RecvArgv(const RecvSpec& spec) const;

 private:
  Argv Cmd(std::initializer_list<std::string> args) const;
  Argv PoolCmd(std::initializer_list<std::string> args) const;
  Result<CommandResult> Run(const Argv& argv, std::string_view input = {});
  // Runs `argv`; a non-zero exit is an error classified from stderr (or
  // `not_found` where zfs says the dataset does not exist), unless `accept`
  // takes the result as an answer.
  Result<CommandResult> RunOk(const Argv& argv, std::optional<Reason> not_found = std::nullopt,
                              const Accept& accept = nullptr);
  // The same without output; `fallback` classifies what stderr does not.
  Status RunChecked(const Argv& argv, Reason fallback, const Accept& accept = nullptr);
  // "host NAME": the context of every error this adapter returns.
  std::string Where() const;
  tl::unexpected<Error> InContext(const Error& e) const;
  // What a guard older than kGuardForTrees refuses, as an error naming it.
  tl::unexpected<Error> OldGuard(const std::string& what) const;
  // argv's failure, classified from its stderr, in context.
  tl::unexpected<Error> Failed(const Argv& argv, const CommandResult& r, Reason fallback = Reason::kOther) const;

  CommandRunner& runner_;
  const Argv zfs_;
  const Argv zpool_;
  // Whether `zpool status -j --json-int` works here: -1 unknown, 0 no, 1 yes
  // (learnt by trying it once).
  std::atomic<int> pool_json_{-1};
  // The probe found the zfs-fuse dialect, whose `zfs send` client leaks its
  // temporary holds when SIGPIPE kills it (docs/zfs-dialects.md §3, leaked holds):
  // sends then run with SIGPIPE ignored.
  std::atomic<bool> legacy_{false};
  std::atomic<bool> get_types_{false};  // zfs get -t (probed)
  std::atomic<int> guard_{0};           // ZfsFeatures::guard (probed)
};

}  // namespace zpull::core
