#include "cli/restore_file.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include <dirent.h>

#include "checks/scratch_clone.h"
#include "core/beneath.h"
#include "core/copy_out.h"
#include "core/safe_text.h"
#include "exporter/status.h"
#include "replicate/snapshot_name.h"

namespace zpull::cli {
namespace {

// Set by SIGINT, SIGTERM and SIGHUP while a file restore runs: the one
// piece of process-wide state a signal handler can reach.
std::atomic<bool> g_stop{false};
extern "C" void OnStopSignal(int) { g_stop.store(true); }

// Turns SIGINT, SIGTERM and SIGHUP into g_stop for its lifetime (the copy
// polls it and the clone is destroyed on the way out); ignores them while
// a clone is destroyed (Ignore(), until Arm()), so a second Ctrl-C cannot
// cut that short. Restores the previous handlers.
class StopOnSignals {
 public:
  StopOnSignals() {
    g_stop = false;
    for (std::size_t i = 0; i < kSignals.size(); ++i) ::sigaction(kSignals[i], nullptr, &old_[i]);
    Arm();
  }
  void Arm() {
    struct sigaction sa {};
    sa.sa_handler = OnStopSignal;
    sigemptyset(&sa.sa_mask);
    for (int s : kSignals) ::sigaction(s, &sa, nullptr);
  }
  ~StopOnSignals() {
    for (std::size_t i = 0; i < kSignals.size(); ++i) ::sigaction(kSignals[i], &old_[i], nullptr);
  }
  StopOnSignals(const StopOnSignals&) = delete;
  StopOnSignals& operator=(const StopOnSignals&) = delete;
  void Ignore() {
    struct sigaction sa {};
    sa.sa_handler = SIG_IGN;
    sigemptyset(&sa.sa_mask);
    for (int s : kSignals) ::sigaction(s, &sa, nullptr);
  }

 private:
  static constexpr std::array<int, 3> kSignals = {SIGINT, SIGTERM, SIGHUP};
  std::array<struct sigaction, 3> old_{};
};

// A backup snapshot cloned and mounted read-only, and a descriptor of its
// root; the descriptor is closed before the clone is destroyed.
class MountedClone {
 public:
  static core::Result<std::unique_ptr<MountedClone>> Make(core::Zfs& zfs, const core::DatasetName& dataset,
                                                          const std::string& snapshot, const std::string& directory,
                                                          const std::string& prefix) {
    if (auto why = core::UnsafeDirectory(directory, /*create=*/true)) {
      return core::Fail(core::Reason::kConfig, "drill directory " + directory + ": " + *why);
    }
    const std::string name = checks::ScratchName(prefix);
    auto clone_name = core::DatasetName::Parse(dataset.Pool() + "/" + name);
    if (!clone_name) return tl::unexpected(clone_name.error());
    auto made = std::unique_ptr<MountedClone>(new MountedClone(zfs, *clone_name, directory + "/" + name));
    if (auto c = zfs.Clone(dataset, snapshot, *clone_name, made->mountpoint_); !c) {
      return tl::unexpected(core::WithContext(c.error(), "cloning " + dataset.Snapshot(snapshot)));
    }
    made->root_ = ::open(made->mountpoint_.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (made->root_ < 0) {
      return core::Fail(core::Reason::kOther, "cannot open the clone at " + made->mountpoint_ + ": " + std::strerror(errno));
    }
    struct stat root {}, parent {};
    if (::fstat(made->root_, &root) != 0 || ::stat(directory.c_str(), &parent) != 0 || root.st_dev == parent.st_dev) {
      return core::Fail(core::Reason::kOther, "the clone of " + dataset.Snapshot(snapshot) + " did not mount at " +
                                                  made->mountpoint_);
    }
    return made;
  }
  ~MountedClone() {
    if (root_ >= 0) ::close(root_);
  }
  int Root() const { return root_; }
  const std::string& Mountpoint() const { return mountpoint_; }
  core::Status Destroy() {
    if (root_ >= 0) ::close(root_);
    root_ = -1;
    return guard_.Destroy();
  }

 private:
  MountedClone(core::Zfs& zfs, core::DatasetName name, std::string mountpoint)
      : guard_(zfs, std::move(name)), mountpoint_(std::move(mountpoint)) {}
  checks::ScratchClone guard_;  // declared first: destroyed last, after the descriptor is closed
  std::string mountpoint_;
  int root_ = -1;
};

// Where the scratch clones of `dataset` go: its entry's drill directory
// (the first entry on its pool for a dataset zpull does not replicate).
std::string DrillDirectoryOf(const config::Config& config, const core::DatasetName& dataset) {
  const config::DatasetConfig* same_pool = nullptr;
  for (const auto& d : config.datasets) {
    const std::string& dest = d.destination.str();
    if (dest == dataset.str() || (d.recursive && dataset.str().starts_with(dest + "/"))) return d.drill.directory;
    if (!same_pool && d.destination.Pool() == dataset.Pool()) same_pool = &d;
  }
  return same_pool ? same_pool->drill.directory : config::DrillConfig{}.directory;
}

// What a path is in one snapshot: nullopt when it is not there.
struct PathState {
  core::FileKind kind;
  std::uint64_t size;
  std::int64_t mtime;
  std::int64_t mtime_nsec;  // a rewrite within the same second differs too
  bool operator==(const PathState&) const = default;
};

// `path` beneath `root` (empty: the root), never through a symlink.
core::Result<std::optional<PathState>> StatBeneath(int root, const std::string& path) {
  struct stat st {};
  int rc;
  if (path.empty()) {
    rc = ::fstat(root, &st);
  } else {
    const std::size_t slash = path.rfind('/');
    const int parent =
        slash == std::string::npos ? ::dup(root) : core::OpenBeneath(root, path.substr(0, slash), O_PATH | O_DIRECTORY);
    if (parent < 0) {
      if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP || errno == EXDEV) return std::optional<PathState>();
      return core::Fail(core::Reason::kOther, path + ": " + std::strerror(errno));
    }
    rc = ::fstatat(parent, path.substr(slash == std::string::npos ? 0 : slash + 1).c_str(), &st, AT_SYMLINK_NOFOLLOW);
    const int err = errno;
    ::close(parent);
    errno = err;
  }
  if (rc != 0) {
    if (errno == ENOENT) return std::optional<PathState>();
    return core::Fail(core::Reason::kOther, path + ": " + std::strerror(errno));
  }
  const core::FileKind kind = core::FileKindOfMode(st.st_mode);
  return std::optional<PathState>(
      PathState{kind, static_cast<std::uint64_t>(st.st_size), st.st_mtim.tv_sec, st.st_mtim.tv_nsec});
}

std::string Describe(const PathState& s) {
  return std::string(core::FileKindName(s.kind)) +
         (s.kind == core::FileKind::kDirectory ? "" : " " + std::to_string(s.size) + " bytes") + ", modified " +
         replicate::UtcTimeText(s.mtime);
}

// The snapshot to read: `wanted`, or the newest; with its creation time.
core::Result<core::SnapshotInfo> PickSnapshot(core::Zfs& zfs, const core::DatasetName& dataset,
                                             const std::string& wanted) {
  auto list = zfs.ListSnapshots(dataset);
  if (!list) return tl::unexpected(list.error());
  if (!*list) return core::Fail(core::Reason::kConfig, "no dataset " + dataset.str() + " on this host");
  if ((*list)->empty()) return core::Fail(core::Reason::kConfig, dataset.str() + " has no snapshot");
  if (wanted.empty()) return (*list)->back();
  for (const auto& s : **list) {
    if (s.name == wanted) return s;
  }
  return core::Fail(core::Reason::kConfig, "no snapshot " + dataset.Snapshot(wanted) + " (zpull restore --versions "
                                               "PATH " + dataset.str() + " lists them by what changed)");
}

int Copy(const FileRestoreRequest& r, MountedClone& clone, const core::SnapshotInfo& snap, std::ostream& out) {
  core::CopyOptions options;
  options.overwrite = r.overwrite;
  options.cancel = &g_stop;
  core::CopyReport partial;
  auto report = core::CopyOut(clone.Root(), r.path, r.into, options, &partial);
  const core::CopyReport& done = report ? *report : partial;
  const std::string from = core::SafeText(r.dataset.Snapshot(snap.name));
  std::size_t shown = 0;
  for (const auto& e : done.entries) {
    const bool notable = e.refused || e.setid_dropped;
    if (!notable && ++shown > 50) continue;
    out << "  " << (e.refused ? "REFUSED " : "") << core::FileKindName(e.kind)
        << (e.kind == core::FileKind::kRegular ? " " + exporter::HumanBytes(double(e.size)) : "") << "  " << core::SafeText(e.path)
        << (e.setid_dropped ? "  (setuid/setgid/sticky bits dropped)" : "")
        << (e.refused ? "  (not copied: " +
                            (e.why.empty() ? std::string("only files, directories and symlinks are restored") : e.why) +
                            ")"
                      : "")
        << "\n";
  }
  if (shown > 50) out << "  … and " << (shown - 50) << " more\n";
  const std::string summary = std::to_string(done.files) + " files (" + exporter::HumanBytes(double(done.bytes)) + "), " +
                              std::to_string(done.directories) + " directories, " + std::to_string(done.symlinks) +
                              " symlinks";
  if (!report) {
    out << (report.error().reason == core::Reason::kShutdown ? "INTERRUPTED " : "FAILED ") << core::SafeText(r.path)
        << " from " << from << ": " << core::SafeText(report.error().message) << " (copied before: " << summary
        << ")\n";
    return report.error().reason == core::Reason::kShutdown ? 130 : 1;
  }
  out << (done.refused ? "PARTLY restored " : "restored ") << core::SafeText(r.path) << " from " << from
      << " (taken " << replicate::UtcTimeText(snap.creation) << ") into " << core::SafeText(r.into) << ": " << summary
      << (done.setid_dropped ? ", " + std::to_string(done.setid_dropped) + " without their setuid/setgid bits" : "")
      << (done.refused ? ", " + std::to_string(done.refused) + " refused" : "") << "\n";
  return done.refused ? 1 : 0;
}

int List(const FileRestoreRequest& r, MountedClone& clone, const core::SnapshotInfo& snap, std::ostream& out) {
  auto fail = [&](const std::string& why) {
    out << "FAILED " << core::SafeText(why) << "\n";
    return 1;
  };
  auto state = StatBeneath(clone.Root(), r.path);
  if (!state) return fail(state.error().message);
  const std::string shown = r.path.empty() ? "/" : r.path;
  if (!*state) {
    return fail(shown + ": not in " + r.dataset.Snapshot(snap.name) + " (PATH is relative to the dataset's root; " +
                "--list / shows it)");
  }
  out << core::SafeText(r.dataset.Snapshot(snap.name)) << " (taken " << replicate::UtcTimeText(snap.creation)
      << "): " << core::SafeText(shown) << "\n";
  if ((*state)->kind != core::FileKind::kDirectory) {
    out << "  " << Describe(**state) << "\n";
    return 0;
  }
  const int dir = r.path.empty() ? ::openat(clone.Root(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                                 : core::OpenBeneath(clone.Root(), r.path, O_RDONLY | O_DIRECTORY);
  if (dir < 0) return fail(shown + ": " + std::strerror(errno));
  std::vector<std::string> names;
  if (DIR* d = ::fdopendir(dir)) {
    while (struct dirent* e = ::readdir(d)) {
      const std::string n = e->d_name;
      if (n != "." && n != "..") names.push_back(n);
    }
    ::closedir(d);
  } else {
    ::close(dir);
    return fail(shown + ": " + std::strerror(errno));
  }
  std::sort(names.begin(), names.end());
  for (const auto& n : names) {
    auto s = StatBeneath(clone.Root(), r.path.empty() ? n : r.path + "/" + n);
    if (!s || !*s) continue;
    out << "  " << core::SafeText(n) << (s->value().kind == core::FileKind::kDirectory ? "/" : "") << "  "
        << Describe(**s) << "\n";
  }
  return 0;
}

int Versions(const FileRestoreRequest& r, core::Zfs& zfs, const std::string& directory, const std::string& prefix,
             StopOnSignals& signals, std::ostream& out) {
  auto list = zfs.ListSnapshots(r.dataset);
  if (!list || !*list) {
    out << "FAILED " << (list ? "no dataset " + r.dataset.str() + " on this host" : list.error().message) << "\n";
    return 1;
  }
  out << "versions of " << core::SafeText(r.path) << " in " << r.dataset.str() << " (" << (*list)->size()
      << " snapshots; one line where it differs from the snapshot before):\n";
  std::optional<PathState> previous;
  bool first = true;
  std::size_t versions = 0;
  for (const auto& snap : **list) {
    // (g_stop set while a clone was destroyed stays set: the loop ends.)
    if (g_stop) break;
    auto clone = MountedClone::Make(zfs, r.dataset, snap.name, directory, prefix);
    if (!clone) {
      out << "FAILED " << core::SafeText(clone.error().message) << "\n";
      return 1;
    }
    auto state = StatBeneath((*clone)->Root(), r.path);
    signals.Ignore();
    auto destroyed = (*clone)->Destroy();
    signals.Arm();
    if (!state) {
      out << "FAILED " << core::SafeText(state.error().message) << "\n";
      return 1;
    }
    if (!destroyed) {
      out << "FAILED " << core::SafeText(destroyed.error().message) << "\n";
      return 1;
    }
    const bool changed = first ? state->has_value() : *state != previous;
    const std::string what = first ? "" : !*state ? "deleted" : !previous ? "new" : "changed";
    first = false;
    previous = *state;
    if (!changed) continue;
    out << "  @" << core::SafeText(snap.name) << "  taken " << replicate::UtcTimeText(snap.creation) << "  "
        << (*state ? Describe(**state) : "not there") << (what.empty() ? "" : "  (" + what + ")") << "\n";
    versions += *state ? 1 : 0;
  }
  if (g_stop) {
    out << "INTERRUPTED\n";
    return 130;
  }
  out << versions << " versions\n";
  return 0;
}

}  // namespace

core::Result<FileRestoreRequest> ParseFileRestore(FileRestoreRequest::Mode mode, const std::string& what,
                                                  const std::string& path, const std::string& into, bool overwrite) {
  const std::size_t at = what.find('@');
  if (mode == FileRestoreRequest::Mode::kVersions && at != std::string::npos) {
    return core::Fail(core::Reason::kConfig, "restore --versions: name the dataset without @SNAPSHOT: it reads them all");
  }
  auto dataset = core::DatasetName::Parse(what.substr(0, at));
  if (!dataset) return tl::unexpected(core::WithContext(dataset.error(), "restore: the backup dataset"));
  FileRestoreRequest r{.mode = mode, .dataset = *dataset};
  if (at != std::string::npos) {
    r.snapshot = what.substr(at + 1);
    if (auto s = core::ValidateSnapshotName(r.snapshot); !s) return tl::unexpected(core::WithContext(s.error(), "restore"));
  }
  const bool root = path.find_first_not_of("/.") == std::string::npos && !path.empty() && path.find("..") == std::string::npos;
  if (root && mode == FileRestoreRequest::Mode::kList) {
    r.path.clear();
  } else if (auto p = core::NormalizeBeneathPath(path)) {
    r.path = *p;
  } else {
    return core::Fail(core::Reason::kConfig, "restore: '" + core::SafeText(path) +
                                                 "' is not a path beneath the dataset's root (no '..'; '/' is the "
                                                 "root, which only --list shows)");
  }
  r.into = into.empty() ? "." : into;
  r.overwrite = overwrite;
  return r;
}

int RunFileRestore(const config::Config& config, core::Zfs& zfs, const FileRestoreRequest& r, std::ostream& out) {
  StopOnSignals signals;
  const std::string directory = DrillDirectoryOf(config, r.dataset);
  const std::string prefix = config.snapshot_prefix + "_restore";
  if (r.mode == FileRestoreRequest::Mode::kVersions) return Versions(r, zfs, directory, prefix, signals, out);
  auto snap = PickSnapshot(zfs, r.dataset, r.snapshot);
  if (!snap) {
    out << "FAILED " << core::SafeText(snap.error().message) << "\n";
    return 1;
  }
  auto clone = MountedClone::Make(zfs, r.dataset, snap->name, directory, prefix);
  int rc;
  if (!clone) {
    out << (g_stop ? "INTERRUPTED " : "FAILED ") << core::SafeText(clone.error().message) << "\n";
    rc = g_stop ? 130 : 1;
  } else {
    rc = r.mode == FileRestoreRequest::Mode::kCopy ? Copy(r, **clone, *snap, out) : List(r, **clone, *snap, out);
  }
  signals.Ignore();
  if (clone) {
    if (auto d = (*clone)->Destroy(); !d) {
      out << "FAILED to destroy the scratch clone: " << core::SafeText(d.error().message) << "\n";
      return 1;
    }
  }
  return g_stop && rc == 0 ? 130 : rc;
}

}  // namespace zpull::cli
