#include "checks/restore_drill.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "checks/scratch_clone.h"
#include "core/beneath.h"
#include "core/sha256.h"
#include "replicate/transfer.h"

namespace zpull::checks {
namespace {

constexpr std::size_t kHashBatch = 64;

bool IoError(std::string_view err) { return err.find("Input/output error") != std::string_view::npos; }

struct Tree {
  std::vector<FileEntry> files;
};

// Lists regular files under `root` on a host (this host's own listing
// with each file's ctime: `local`).
// A drill step is bounded by what is left of drill.timeout (`limit`), not by
// the host's command_timeout.
core::Result<FindListing> ListTree(core::CommandRunner& runner, const std::string& root, bool typed, bool local,
                                  std::chrono::milliseconds limit, std::optional<DrillFailure>& failure) {
  // "root/." makes the path resolve into an automounted .zfs/snapshot/<name>
  // before find records the starting point's device for -xdev.
  const bool with_ctime = typed && local;
  core::Argv argv = with_ctime ? core::Argv{"find", root + "/.", "-xdev", "!", "-type", "d", "-printf", "%y %s %C@ %P\\0"}
                    : typed    ? core::Argv{"find", root + "/.", "-xdev", "!", "-type", "d", "-printf", "%y %s %P\\0"}
                               : core::Argv{"find", root + "/.", "-xdev", "-type", "f", "-printf", "%s %P\\0"};
  auto r = runner.RunWithin(argv, {}, limit);
  if (!r) return tl::unexpected(r.error());
  if (r->exit_code != 0) {
    failure = IoError(r->err) ? DrillFailure::kIoError : DrillFailure::kOther;
    return core::Fail(core::Reason::kOther, core::HostContext(runner.Host()) + ": " + core::DescribeFailure(argv, *r));
  }
  if (typed) return ParseTypedFindOutput(r->out, with_ctime);
  auto files = ParseFindOutput(r->out);
  if (!files) return tl::unexpected(files.error());
  return FindListing{std::move(*files), 0};
}

// SHA-256 of each of `files` that is a regular file beneath `root`, reached
// through no symlink, `..` or other mount; `skipped` gets the others (a
// file that cannot be opened for another reason, or read, is unreadable).
// Each file is checked and read through one descriptor (a zfs-fuse clone
// is writable: no name is opened twice).
core::Result<SideHashes> HashBeneath(const std::string& root, const std::vector<FileEntry>& files,
                                     std::vector<std::string>& skipped) {
  const int dir = ::open(root.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dir < 0) return core::Fail(core::Reason::kOther, "cannot open the clone at " + root + ": " + std::strerror(errno));
  SideHashes out;
  for (const auto& f : files) {
    const int fd = core::OpenBeneath(dir, f.path, O_RDONLY | O_NONBLOCK);
    if (fd < 0 && errno != ELOOP && errno != EXDEV && errno != EINVAL && errno != ENOENT && errno != ENOTDIR) {
      out.unreadable[f.path] = std::strerror(errno);
      continue;
    }
    struct stat st {};
    if (fd < 0 || ::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      if (fd >= 0) ::close(fd);
      skipped.push_back(f.path);
      continue;
    }
    const core::FileHash hash = core::HashDescriptor(fd);
    ::close(fd);
    if (hash.error) {
      out.unreadable[f.path] = std::strerror(hash.error);
      continue;
    }
    out.hashes[f.path] = hash.hex;
  }
  ::close(dir);
  return out;
}

// The hashes of `files` on a host, in batches of `sha256sum -z --`; a file
// it names as unreadable is unreadable, a batch that fails as a whole (no
// file named) fails the step.
core::Result<SideHashes> HashFiles(core::CommandRunner& runner, const std::string& root,
                                   const std::vector<FileEntry>& files, std::chrono::milliseconds limit,
                                   std::optional<DrillFailure>& failure) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  SideHashes all;
  for (std::size_t i = 0; i < files.size(); i += kHashBatch) {
    core::Argv argv = {"sha256sum", "-z", "--"};
    const std::vector<FileEntry> batch(files.begin() + static_cast<std::ptrdiff_t>(i),
                                       files.begin() + static_cast<std::ptrdiff_t>(std::min(files.size(), i + kHashBatch)));
    for (const auto& f : batch) argv.push_back(root + "/" + f.path);
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    auto r = runner.RunWithin(argv, {}, std::max(left, std::chrono::milliseconds(1)));
    if (!r) return tl::unexpected(r.error());
    auto failed = [&] {
      failure = IoError(r->err) ? DrillFailure::kIoError : DrillFailure::kOther;
      return core::Fail(core::Reason::kOther,
                        core::HostContext(runner.Host()) + ": reading " + root + ": " + core::FirstLine(r->err));
    };
    if (r->exit_code != 0 && r->exit_code != 1) return failed();
    auto hashes = ParseSha256Run(r->out, r->err, root, batch);
    if (!hashes) return tl::unexpected(hashes.error());
    // Exit 1 with nothing hashed and no file named: the command failed as a
    // whole (a refusal, a missing root), not a file.
    const bool named = r->err.find("sha256sum: " + root + "/") != std::string::npos ||
                       r->err.find("sha256sum: '" + root + "/") != std::string::npos;
    if (r->exit_code != 0 && hashes->hashes.empty() && !named) return failed();
    all.hashes.merge(hashes->hashes);
    all.unreadable.merge(hashes->unreadable);
  }
  return all;
}

// The files of `sample` that the source tree has, as the source lists them.
std::vector<FileEntry> OnSource(const std::vector<FileEntry>& sample, const std::vector<FileEntry>& source_tree) {
  std::vector<FileEntry> on_source;
  for (const auto& f : sample) {
    for (const auto& s : source_tree) {
      if (s.path == f.path) on_source.push_back(s);
    }
  }
  return on_source;
}

// The first five mismatches and unreadable files, "; "-separated.
std::string FindingsSummary(const DrillComparison& c) {
  std::vector<std::string> all = c.mismatches;
  for (const auto& f : c.files) {
    if (f.verdict == FileVerdict::kUnreadable) all.push_back(f.path + ": unreadable: " + f.detail);
  }
  std::string msg;
  for (std::size_t i = 0; i < all.size() && i < 5; ++i) msg += (i ? "; " : "") + all[i];
  if (all.size() > 5) msg += "; and " + std::to_string(all.size() - 5) + " more";
  return msg;
}

// Destroys a restore test's scratch dataset, and the snapshot its receive
// made, when it goes out of scope.
struct RestoreGuard {
  core::Zfs& zfs;
  core::DatasetName fs;
  std::string snap;
  ~RestoreGuard() {
    (void)zfs.DestroySnapshot(fs, snap);
    (void)zfs.DestroyFilesystem(fs);
  }
};

// The sampled files' hashes on each side, by path.
struct SampleHashes {
  SideHashes destination, source;
};

// A step's value, or the drill's finished outcome where the step ended it.
template <class T>
using Step = tl::expected<T, DrillOutcome>;

// One run of RunDrill: its clock, its outcome so far, and the scratch clones
// it made. The clones are destroyed (the source's first) with the object,
// after the outcome was taken.
class Drill {
 public:
  Drill(const DrillSide& source, const DrillSide& destination, const DrillOptions& options,
        const std::function<std::int64_t()>& now);
  Drill(const Drill&) = delete;
  Drill& operator=(const Drill&) = delete;

  // Runs the drill once (RunDrill's contract).
  DrillOutcome Run();

 private:
  // The outcome so far, completed with `failure`, `message` and the times.
  DrillOutcome Finish(std::optional<DrillFailure> failure, std::string message);
  bool Cancelled() const;
  // Cancelled, or past the drill's timeout.
  bool Expired() const;
  // What is left of drill.timeout (at least 1 ms).
  std::chrono::milliseconds Left() const;
  // The outcome of a drill found Expired() after the step `after`.
  DrillOutcome TimedOut(const char* after);
  // The outcome of a drill ended by an error on the source: `known` where
  // the command's output told the failure, else unreachable or other by the
  // error's reason.
  DrillOutcome SourceFailed(const core::Error& e, std::optional<DrillFailure> known = std::nullopt);

  // The newest destination snapshot that is also on the source (by guid).
  Step<DrillSnapshot> PickSnapshot();
  // Clones `snapshot` of `side` below its scratch directory, arms `guard` to
  // destroy the clone, and returns where it is mounted.
  Step<std::string> CloneScratch(const DrillSide& side, const std::string& snapshot,
                                 std::optional<ScratchClone>& guard);
  // Where the source snapshot's files are read: its .zfs/snapshot directory
  // if visible, else a temporary clone where options allow.
  Step<std::string> SourceRoot(const DrillSnapshot& pick);
  // The source snapshot's .zfs/snapshot directory, or "" where not visible.
  Step<std::string> SnapshotDirectory(const DrillSnapshot& pick);
  // Hashes `sample` on the destination and the same files, where they
  // exist, on the source.
  Step<SampleHashes> HashSample(std::vector<FileEntry>& sample, const std::vector<FileEntry>& source_tree,
                                const std::string& dst_root, const std::string& src_root);
  // Times a full send of `snapshot` into a scratch dataset on the same pool
  // (destroyed before it returns) and records the throughput.
  Step<void> RestoreTest(const std::string& snapshot);
  // Sets the restore throughput and, from the dataset's referenced bytes,
  // the estimated restore time.
  void RecordRestoreRate(std::uint64_t bytes, double seconds);

  const DrillSide& source_;
  const DrillSide& destination_;
  const DrillOptions& options_;
  const std::function<std::int64_t()>& now_;
  DrillOutcome out_;
  std::chrono::steady_clock::time_point t0_;
  std::size_t skipped_in_sample_ = 0;  // sampled names that were not regular files beneath the clone
  // In this order, so that the source clone is destroyed first.
  std::optional<ScratchClone> dst_clone_;
  std::optional<ScratchClone> src_clone_;
};

Drill::Drill(const DrillSide& source, const DrillSide& destination, const DrillOptions& options,
             const std::function<std::int64_t()>& now)
    : source_(source), destination_(destination), options_(options), now_(now) {
  out_.started = now_();
  t0_ = std::chrono::steady_clock::now();
}

DrillOutcome Drill::Run() {
  auto pick = PickSnapshot();
  if (!pick) return std::move(pick).error();
  out_.snapshot = pick->destination_name;
  auto dst_root = CloneScratch(destination_, pick->destination_name, dst_clone_);
  if (!dst_root) return std::move(dst_root).error();
  if (Expired()) return TimedOut("cloning");
  auto src_root = SourceRoot(*pick);
  if (!src_root) return std::move(src_root).error();

  std::optional<DrillFailure> failure;
  auto dst_tree = ListTree(destination_.runner, *dst_root, destination_.typed_listing, destination_.local, Left(), failure);
  // A step stopped at the drill's deadline is the drill's timeout.
  if (!dst_tree && Expired()) return TimedOut("listing the trees");
  if (!dst_tree) return Finish(failure.value_or(DrillFailure::kOther), dst_tree.error().message);
  auto src_tree = ListTree(source_.runner, *src_root, source_.typed_listing, source_.local, Left(), failure);
  if (!src_tree && Expired()) return TimedOut("listing the trees");
  if (!src_tree) return SourceFailed(src_tree.error(), failure);
  out_.files_total = dst_tree->files.size();
  out_.files_skipped = dst_tree->skipped;
  if (Expired()) return TimedOut("listing the trees");

  // A new rotation's order: the snapshot's guid mixed with the last one's.
  const std::uint64_t fresh_seed = pick->guid ^ (options_.rotation ? SampleRank(options_.rotation->seed, "") : 0);
  auto step = NextSample(dst_tree->files, options_.rotation, pick->creation, options_.sample_files, options_.max_bytes,
                         fresh_seed);
  auto hashes = HashSample(step.sample, src_tree->files, *dst_root, *src_root);
  if (!hashes) return std::move(hashes).error();
  if (Expired()) return TimedOut("hashing");
  auto cmp = CompareSample(step.sample, dst_tree->files, src_tree->files, hashes->destination, hashes->source);
  out_.files_verified = cmp.files_verified;
  out_.files_mismatched = cmp.files_mismatched;
  out_.files_unreadable = cmp.files_unreadable;
  out_.bytes_verified = cmp.bytes_verified;
  out_.mismatches = cmp.mismatches.size();
  out_.files.insert(out_.files.end(), cmp.files.begin(), cmp.files.end());
  std::sort(out_.files.begin(), out_.files.end(), [](const FileResult& a, const FileResult& b) { return a.path < b.path; });
  // Read, whatever was found: the next drill reads on.
  out_.rotation = step.next;
  out_.rotation_started = step.started;
  // A sampled file that turned out not to be a regular file was not read.
  out_.files_covered = step.covered - std::min(step.covered, skipped_in_sample_);
  if (!cmp.mismatches.empty()) return Finish(DrillFailure::kMismatch, FindingsSummary(cmp));
  if (cmp.files_unreadable > 0) return Finish(DrillFailure::kIoError, FindingsSummary(cmp));
  if (options_.restore_test) {
    if (auto restored = RestoreTest(pick->destination_name); !restored) return std::move(restored).error();
  }
  return Finish(std::nullopt, "verified " + std::to_string(cmp.files_verified) + " of " +
                                  std::to_string(out_.files_total) + " files of @" + pick->destination_name);
}

DrillOutcome Drill::Finish(std::optional<DrillFailure> failure, std::string message) {
  out_.failure = failure;
  out_.message = std::move(message);
  out_.finished = now_();
  out_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
  return out_;
}

bool Drill::Cancelled() const { return options_.cancel && options_.cancel->load(); }

bool Drill::Expired() const {
  return Cancelled() || std::chrono::steady_clock::now() - t0_ >= std::chrono::seconds(options_.timeout_seconds);
}

std::chrono::milliseconds Drill::Left() const {
  const auto end = t0_ + std::chrono::seconds(options_.timeout_seconds);
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
  return std::max(left, std::chrono::milliseconds(1));
}

DrillOutcome Drill::TimedOut(const char* after) {
  if (Cancelled()) {
    return Finish(DrillFailure::kStopped, std::string("drill stopped: zpull is stopping (after ") + after + ")");
  }
  return Finish(DrillFailure::kTimeout, "drill ran past its timeout of " + std::to_string(options_.timeout_seconds) +
                                            " s (after " + after + ")");
}

DrillOutcome Drill::SourceFailed(const core::Error& e, std::optional<DrillFailure> known) {
  if (known) return Finish(*known, e.message);
  const bool unreachable = e.reason == core::Reason::kNetwork || e.reason == core::Reason::kHostkey ||
                           e.reason == core::Reason::kAuth || e.reason == core::Reason::kTimeout;
  return Finish(unreachable ? DrillFailure::kSourceUnreachable : DrillFailure::kOther, e.message);
}

Step<DrillSnapshot> Drill::PickSnapshot() {
  auto dst = destination_.zfs.ListSnapshots(destination_.dataset);
  if (!dst) return tl::unexpected(Finish(DrillFailure::kOther, dst.error().message));
  if (!*dst || (*dst)->empty()) {
    return tl::unexpected(
        Finish(DrillFailure::kNoSnapshot, "destination " + destination_.dataset.str() + " has no snapshot"));
  }
  auto src = source_.zfs.ListSnapshots(source_.dataset);
  if (!src) return tl::unexpected(SourceFailed(src.error()));
  auto pick = *src ? PickDrillSnapshot(**src, **dst) : std::nullopt;
  if (!pick) {
    return tl::unexpected(Finish(
        DrillFailure::kMissingOnSource,
        "none of the " + std::to_string((*dst)->size()) + " destination snapshots exists on the source (by guid)"));
  }
  return *pick;
}

Step<std::string> Drill::CloneScratch(const DrillSide& side, const std::string& snapshot,
                                      std::optional<ScratchClone>& guard) {
  const std::string name = ScratchName(options_.prefix);
  auto clone = core::DatasetName::Parse(side.dataset.Pool() + "/" + name).value();
  std::string root = side.scratch_directory + "/" + name;
  if (auto c = side.zfs.Clone(side.dataset, snapshot, clone, root); !c) {
    (void)side.zfs.DestroyFilesystem(clone);
    return tl::unexpected(Finish(DrillFailure::kCloneFailed, c.error().message));
  }
  guard.emplace(side.zfs, clone);
  return root;
}

Step<std::string> Drill::SourceRoot(const DrillSnapshot& pick) {
  auto visible = SnapshotDirectory(pick);
  if (!visible || !visible->empty()) return visible;
  if (!options_.source_clone) {
    return tl::unexpected(
        Finish(DrillFailure::kOther, "the source has no .zfs/snapshot directory and drill source clones are off"));
  }
  return CloneScratch(source_, pick.source_name, src_clone_);
}

Step<std::string> Drill::SnapshotDirectory(const DrillSnapshot& pick) {
  auto mounted = source_.zfs.MountedAt(source_.dataset);
  if (!mounted) return tl::unexpected(SourceFailed(mounted.error()));
  if (!*mounted) return std::string();
  std::string candidate = **mounted + "/.zfs/snapshot/" + pick.source_name;
  auto test = source_.runner.Run({"test", "-d", candidate});
  if (!test) return tl::unexpected(SourceFailed(test.error()));
  if (test->exit_code != 0) return std::string();
  return candidate;
}

Step<SampleHashes> Drill::HashSample(std::vector<FileEntry>& sample, const std::vector<FileEntry>& source_tree,
                                     const std::string& dst_root, const std::string& src_root) {
  std::optional<DrillFailure> failure;
  // On this host the files are hashed here (HashBeneath); what is not a
  // regular file beneath the clone leaves the sample, counted as skipped.
  std::vector<std::string> skipped;
  auto dst_hashes = destination_.local ? HashBeneath(dst_root, sample, skipped)
                                       : HashFiles(destination_.runner, dst_root, sample, Left(), failure);
  if (!dst_hashes && Expired()) return tl::unexpected(TimedOut("hashing"));
  if (!dst_hashes) return tl::unexpected(Finish(failure.value_or(DrillFailure::kOther), dst_hashes.error().message));
  out_.files_skipped += skipped.size();
  skipped_in_sample_ = skipped.size();
  for (const auto& path : skipped) {
    out_.files.push_back({path, FileVerdict::kSkipped, "not a regular file beneath the clone"});
  }
  std::erase_if(sample, [&](const FileEntry& f) { return std::find(skipped.begin(), skipped.end(), f.path) != skipped.end(); });
  // What the destination cannot read is not asked of the source.
  std::vector<FileEntry> ask;
  for (const auto& f : OnSource(sample, source_tree)) {
    if (!dst_hashes->unreadable.contains(f.path)) ask.push_back(f);
  }
  auto src_hashes = HashFiles(source_.runner, src_root, ask, Left(), failure);
  if (!src_hashes && Expired()) return tl::unexpected(TimedOut("hashing"));
  if (!src_hashes) return tl::unexpected(SourceFailed(src_hashes.error(), failure));
  return SampleHashes{std::move(*dst_hashes), std::move(*src_hashes)};
}

Step<void> Drill::RestoreTest(const std::string& snapshot) {
  const std::string restore_name = ScratchName(options_.prefix);
  auto target = core::DatasetName::Parse(destination_.dataset.Pool() + "/" + restore_name).value();
  RestoreGuard guard{destination_.zfs, target, snapshot};
  const auto r0 = std::chrono::steady_clock::now();
  auto bytes = replicate::RunTransfer(destination_.zfs, {destination_.dataset, snapshot, std::nullopt, true},
                                      destination_.zfs, {target, true, false, false}, {},
                                      replicate::TransferLimits{std::chrono::minutes(10), {}, {}, options_.cancel});
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - r0).count();
  if (!bytes && bytes.error().reason == core::Reason::kShutdown) return tl::unexpected(TimedOut("the restore test"));
  if (!bytes) {
    return tl::unexpected(Finish(IoError(bytes.error().message) ? DrillFailure::kIoError : DrillFailure::kOther,
                                 "restore test: " + bytes.error().message));
  }
  RecordRestoreRate(*bytes, secs);
  return {};
}

void Drill::RecordRestoreRate(std::uint64_t bytes, double seconds) {
  if (seconds > 0) out_.restore_bytes_per_second = double(bytes) / seconds;
  auto referenced = destination_.zfs.GetProperty(destination_.dataset, "referenced");
  if (referenced && out_.restore_bytes_per_second && *out_.restore_bytes_per_second > 0) {
    try {
      out_.estimated_restore_seconds = double(std::stoull(*referenced)) / *out_.restore_bytes_per_second;
    } catch (const std::exception&) {
    }
  }
}

}  // namespace

std::string_view DrillFailureName(DrillFailure f) {
  switch (f) {
    case DrillFailure::kNoSnapshot: return "no_snapshot";
    case DrillFailure::kMissingOnSource: return "missing_on_source";
    case DrillFailure::kCloneFailed: return "clone_failed";
    case DrillFailure::kIoError: return "io_error";
    case DrillFailure::kMismatch: return "mismatch";
    case DrillFailure::kTimeout: return "timeout";
    case DrillFailure::kSourceUnreachable: return "source_unreachable";
    case DrillFailure::kStopped: return "stopped";
    case DrillFailure::kOther: return "other";
  }
  return "other";
}

bool DrillReachedVerdict(std::optional<DrillFailure> f) {
  if (!f) return true;
  switch (*f) {
    case DrillFailure::kNoSnapshot:
    case DrillFailure::kMissingOnSource:
    case DrillFailure::kIoError:
    case DrillFailure::kMismatch:
      return true;
    default:
      return false;
  }
}

DrillOutcome RunDrill(const DrillSide& source, const DrillSide& destination, const DrillOptions& options,
                      const std::function<std::int64_t()>& now) {
  Drill drill(source, destination, options, now);
  return drill.Run();
}

core::Result<std::size_t> SweepDrillLeftovers(core::Zfs& zfs, const std::string& pool, const std::string& prefix,
                                              bool clones_only) {
  auto root = core::DatasetName::Parse(pool);
  if (!root) return tl::unexpected(root.error());
  auto children = zfs.ListChildren(*root);
  if (!children) return tl::unexpected(children.error());
  std::size_t destroyed = 0;
  for (const auto& name : *children) {
    if (!name.starts_with(pool + "/" + prefix + "_")) continue;
    auto fs = core::DatasetName::Parse(name);
    if (!fs) continue;
    if (clones_only) {
      // A filesystem merely named like a scratch clone is not zpull's.
      auto origin = zfs.GetProperty(*fs, "origin");
      if (!origin) return tl::unexpected(origin.error());
      if (origin->find('@') == std::string::npos) continue;
    }
    if (auto s = zfs.DestroyFilesystem(*fs); !s) return tl::unexpected(s.error());
    ++destroyed;
  }
  return destroyed;
}

}  // namespace zpull::checks
