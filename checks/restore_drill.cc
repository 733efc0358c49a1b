#include "checks/restore_drill.h"

#include <atomic>

#include "replicate/transfer.h"
#include <chrono>
#include <unistd.h>

namespace zpull::checks {
namespace {

constexpr std::size_t kHashBatch = 64;

bool IoError(std::string_view err) { return err.find("Input/output error") != std::string_view::npos; }

// Destroys a scratch clone when it goes out of scope.
class ScratchClone {
 public:
  ScratchClone(core::Zfs& zfs, core::DatasetName name) : zfs_(zfs), name_(std::move(name)) {}
  ~ScratchClone() { (void)zfs_.DestroyFilesystem(name_); }
  ScratchClone(const ScratchClone&) = delete;
  ScratchClone& operator=(const ScratchClone&) = delete;

 private:
  core::Zfs& zfs_;
  core::DatasetName name_;
};

std::string ScratchName(const std::string& prefix) {
  static std::atomic<unsigned> counter{0};
  auto t = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  return prefix + "_" + std::to_string(t.count()) + "_" + std::to_string(::getpid()) + "_" +
         std::to_string(counter++);
}

struct Tree {
  std::vector<FileEntry> files;
};

// Lists regular files under `root` on a host.
core::Result<std::vector<FileEntry>> ListTree(core::CommandRunner& runner, const std::string& root,
                                             std::optional<DrillFailure>& failure) {
  // "root/." makes the path resolve into an automounted .zfs/snapshot/<name>
  // before find records the starting point's device for -xdev.
  core::Argv argv = {"find", root + "/.", "-xdev", "-type", "f", "-printf", "%s %P\\0"};
  auto r = runner.Run(argv);
  if (!r) return tl::unexpected(r.error());
  if (r->exit_code != 0) {
    failure = IoError(r->err) ? DrillFailure::kIoError : DrillFailure::kOther;
    return core::Fail(core::Reason::kOther, "host " + runner.Host() + ": " + core::DescribeFailure(argv, *r));
  }
  return ParseFindOutput(r->out);
}

core::Result<std::map<std::string, std::string>> HashFiles(core::CommandRunner& runner, const std::string& root,
                                                           const std::vector<FileEntry>& files,
                                                           std::optional<DrillFailure>& failure) {
  std::map<std::string, std::string> all;
  for (std::size_t i = 0; i < files.size(); i += kHashBatch) {
    core::Argv argv = {"sha256sum", "-z", "--"};
    for (std::size_t k = i; k < files.size() && k < i + kHashBatch; ++k) argv.push_back(root + "/" + files[k].path);
    auto r = runner.Run(argv);
    if (!r) return tl::unexpected(r.error());
    if (r->exit_code != 0) {
      failure = IoError(r->err) ? DrillFailure::kIoError : DrillFailure::kOther;
      return core::Fail(core::Reason::kOther, "host " + runner.Host() + ": reading " + root + ": " + core::FirstLine(r->err));
    }
    auto hashes = ParseSha256Output(r->out, root);
    if (!hashes) return tl::unexpected(hashes.error());
    all.merge(*hashes);
  }
  return all;
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
  DrillOutcome out;
  out.started = now();
  const auto t0 = std::chrono::steady_clock::now();
  auto finish = [&](std::optional<DrillFailure> failure, std::string message) {
    out.failure = failure;
    out.message = std::move(message);
    out.finished = now();
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return out;
  };
  auto cancelled = [&] { return options.cancel && options.cancel->load(); };
  auto expired = [&] {
    return cancelled() || std::chrono::steady_clock::now() - t0 >= std::chrono::seconds(options.timeout_seconds);
  };
  auto timed_out = [&](const char* after) {
    if (cancelled()) return finish(DrillFailure::kStopped, std::string("drill stopped: zpull is stopping (after ") + after + ")");
    return finish(DrillFailure::kTimeout, "drill ran past its timeout of " + std::to_string(options.timeout_seconds) +
                                              " s (after " + after + ")");
  };
  auto source_failure = [&](const core::Error& e) {
    const bool unreachable = e.reason == core::Reason::kNetwork || e.reason == core::Reason::kHostkey ||
                             e.reason == core::Reason::kAuth || e.reason == core::Reason::kTimeout;
    return finish(unreachable ? DrillFailure::kSourceUnreachable : DrillFailure::kOther, e.message);
  };

  auto dst = destination.zfs.ListSnapshots(destination.dataset);
  if (!dst) return finish(DrillFailure::kOther, dst.error().message);
  if (!*dst || (*dst)->empty()) {
    return finish(DrillFailure::kNoSnapshot, "destination " + destination.dataset.str() + " has no snapshot");
  }
  auto src = source.zfs.ListSnapshots(source.dataset);
  if (!src) return source_failure(src.error());
  auto pick = *src ? PickDrillSnapshot(**src, **dst) : std::nullopt;
  if (!pick) {
    return finish(DrillFailure::kMissingOnSource, "none of the " + std::to_string((*dst)->size()) +
                                                      " destination snapshots exists on the source (by guid)");
  }
  out.snapshot = pick->destination_name;

  // The destination clone.
  const std::string dst_name = ScratchName(options.prefix);
  auto dst_clone = core::DatasetName::Parse(destination.dataset.Pool() + "/" + dst_name).value();
  const std::string dst_root = destination.scratch_directory + "/" + dst_name;
  if (auto c = destination.zfs.Clone(destination.dataset, pick->destination_name, dst_clone, dst_root); !c) {
    (void)destination.zfs.DestroyFilesystem(dst_clone);
    return finish(DrillFailure::kCloneFailed, c.error().message);
  }
  ScratchClone dst_guard(destination.zfs, dst_clone);
  if (expired()) return timed_out("cloning");

  // The source side: .zfs/snapshot if visible, else a temporary clone.
  std::string src_root;
  std::optional<ScratchClone> src_guard;
  auto mounted = source.zfs.MountedAt(source.dataset);
  if (!mounted) return source_failure(mounted.error());
  if (*mounted) {
    std::string candidate = **mounted + "/.zfs/snapshot/" + pick->source_name;
    auto test = source.runner.Run({"test", "-d", candidate});
    if (!test) return source_failure(test.error());
    if (test->exit_code == 0) src_root = candidate;
  }
  if (src_root.empty()) {
    if (!options.source_clone) {
      return finish(DrillFailure::kOther, "the source has no .zfs/snapshot directory and drill source clones are off");
    }
    const std::string src_name = ScratchName(options.prefix);
    auto src_clone = core::DatasetName::Parse(source.dataset.Pool() + "/" + src_name).value();
    src_root = source.scratch_directory + "/" + src_name;
    if (auto c = source.zfs.Clone(source.dataset, pick->source_name, src_clone, src_root); !c) {
      (void)source.zfs.DestroyFilesystem(src_clone);
      return finish(DrillFailure::kCloneFailed, c.error().message);
    }
    src_guard.emplace(source.zfs, src_clone);
  }

  std::optional<DrillFailure> failure;
  auto dst_tree = ListTree(destination.runner, dst_root, failure);
  if (!dst_tree) return finish(failure.value_or(DrillFailure::kOther), dst_tree.error().message);
  auto src_tree = ListTree(source.runner, src_root, failure);
  if (!src_tree) return failure ? finish(*failure, src_tree.error().message) : source_failure(src_tree.error());
  out.files_total = dst_tree->size();
  if (expired()) return timed_out("listing the trees");

  auto sample = SampleFiles(*dst_tree, pick->guid, options.sample_files, options.max_bytes);
  auto dst_hashes = HashFiles(destination.runner, dst_root, sample, failure);
  if (!dst_hashes) return finish(failure.value_or(DrillFailure::kOther), dst_hashes.error().message);
  std::vector<FileEntry> on_source;
  for (const auto& f : sample) {
    for (const auto& s : *src_tree) {
      if (s.path == f.path) on_source.push_back(s);
    }
  }
  auto src_hashes = HashFiles(source.runner, src_root, on_source, failure);
  if (!src_hashes) return failure ? finish(*failure, src_hashes.error().message) : source_failure(src_hashes.error());

  if (expired()) return timed_out("hashing");
  auto cmp = CompareSample(sample, *dst_tree, *src_tree, *dst_hashes, *src_hashes);
  out.files_verified = cmp.files_verified;
  out.bytes_verified = cmp.bytes_verified;
  out.mismatches = cmp.mismatches.size();
  if (!cmp.mismatches.empty()) {
    std::string msg;
    for (std::size_t i = 0; i < cmp.mismatches.size() && i < 5; ++i) msg += (i ? "; " : "") + cmp.mismatches[i];
    return finish(DrillFailure::kMismatch, msg);
  }
  if (options.restore_test) {
    // Time a full send of the snapshot into a scratch dataset on the same pool.
    const std::string restore_name = ScratchName(options.prefix);
    auto target = core::DatasetName::Parse(destination.dataset.Pool() + "/" + restore_name).value();
    struct RestoreGuard {
      core::Zfs& zfs;
      core::DatasetName fs;
      std::string snap;
      ~RestoreGuard() {
        (void)zfs.DestroySnapshot(fs, snap);
        (void)zfs.DestroyFilesystem(fs);
      }
    } guard{destination.zfs, target, pick->destination_name};
    const auto r0 = std::chrono::steady_clock::now();
    auto bytes = replicate::RunTransfer(destination.zfs, {destination.dataset, pick->destination_name, std::nullopt, true},
                                        destination.zfs, {target, true, false, false}, {},
                                        replicate::TransferLimits{std::chrono::minutes(10), {}, {}, options.cancel});
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - r0).count();
    if (!bytes && bytes.error().reason == core::Reason::kShutdown) return timed_out("the restore test");
    if (!bytes) {
      return finish(IoError(bytes.error().message) ? DrillFailure::kIoError : DrillFailure::kOther,
                    "restore test: " + bytes.error().message);
    }
    if (secs > 0) out.restore_bytes_per_second = double(*bytes) / secs;
    auto referenced = destination.zfs.GetProperty(destination.dataset, "referenced");
    if (referenced && out.restore_bytes_per_second && *out.restore_bytes_per_second > 0) {
      try {
        out.estimated_restore_seconds = double(std::stoull(*referenced)) / *out.restore_bytes_per_second;
      } catch (const std::exception&) {
      }
    }
  }
  return finish(std::nullopt, "verified " + std::to_string(cmp.files_verified) + " of " +
                                  std::to_string(out.files_total) + " files of @" + pick->destination_name);
}

core::Result<std::size_t> SweepDrillLeftovers(core::Zfs& zfs, const std::string& pool, const std::string& prefix) {
  auto root = core::DatasetName::Parse(pool);
  if (!root) return tl::unexpected(root.error());
  auto children = zfs.ListChildren(*root);
  if (!children) return tl::unexpected(children.error());
  std::size_t destroyed = 0;
  for (const auto& name : *children) {
    if (!name.starts_with(pool + "/" + prefix + "_")) continue;
    auto fs = core::DatasetName::Parse(name);
    if (!fs) continue;
    if (auto s = zfs.DestroyFilesystem(*fs); !s) return tl::unexpected(s.error());
    ++destroyed;
  }
  return destroyed;
}

}  // namespace zpull::checks
