#include "core/zfs_cli.h"

#include <chrono>
#include <cstdio>
#include <functional>
#include <set>
#include <thread>

#include "core/snapshot_stream.h"
#include "core/text.h"
#include "core/zfs_errors.h"
#include "core/zfs_parse.h"
#include "core/zstd_pipeline.h"

namespace zpull::core {
namespace {

bool Contains(std::string_view s, std::string_view needle) { return s.find(needle) != std::string_view::npos; }

bool NotFound(const CommandResult& r) { return r.exit_code != 0 && Contains(r.err, "does not exist"); }

// A failure whose stderr says `text` is an answer, not an error.
ZfsCli::Accept Says(std::string text) {
  return [text = std::move(text)](const CommandResult& r) { return Contains(r.err, text); };
}

// A listing of several filesystems that printed something, or only missed
// some of them, is a result.
bool ListedOrMissing(const CommandResult& r) {
  return !r.out.empty() || Contains(r.err, "dataset does not exist");
}

Argv Joined(const Argv& head, const std::vector<std::string>& tail) {
  Argv argv = head;
  argv.insert(argv.end(), tail.begin(), tail.end());
  return argv;
}

std::vector<std::string> Names(const std::vector<DatasetName>& filesystems) {
  std::vector<std::string> out;
  for (const auto& fs : filesystems) out.push_back(fs.str());
  return out;
}

std::string Target(const DatasetName& fs, const std::string& snap) {
  return snap.empty() ? fs.str() : fs.Snapshot(snap);
}

}  // namespace

ZfsCli::ZfsCli(CommandRunner& runner, Argv zfs_command, Argv zpool_command)
    : runner_(runner), zfs_(std::move(zfs_command)), zpool_(std::move(zpool_command)) {}

Argv ZfsCli::PoolCmd(std::initializer_list<std::string> args) const {
  Argv a = zpool_;
  a.insert(a.end(), args.begin(), args.end());
  return a;
}

Argv ZfsCli::Cmd(std::initializer_list<std::string> args) const {
  Argv a = zfs_;
  a.insert(a.end(), args.begin(), args.end());
  return a;
}

Result<CommandResult> ZfsCli::Run(const Argv& argv, std::string_view input) {
  auto r = runner_.Run(argv, input);
  if (!r) return InContext(r.error());
  return r;
}

std::string ZfsCli::Where() const { return HostContext(runner_.Host()); }

tl::unexpected<Error> ZfsCli::InContext(const Error& e) const { return tl::unexpected(WithContext(e, Where())); }

tl::unexpected<Error> ZfsCli::Failed(const Argv& argv, const CommandResult& r, Reason fallback) const {
  return Fail(ClassifyZfsError(r.err, fallback), Where() + ": " + DescribeFailure(argv, r));
}

tl::unexpected<Error> ZfsCli::OldGuard(const std::string& what) const {
  return Fail(Reason::kOther, Where() + ": its zpull-guard " + std::to_string(guard_.load()) + " does not admit " + what +
                                  " (zpull-guard " + std::to_string(kGuardForTrees) + " does)");
}

Result<CommandResult> ZfsCli::RunOk(const Argv& argv, std::optional<Reason> not_found, const Accept& accept) {
  auto r = Run(argv);
  if (!r) return tl::unexpected(r.error());
  if (r->exit_code == 0 || (accept && accept(*r))) return r;
  if (not_found && NotFound(*r)) return Fail(*not_found, Where() + ": " + DescribeFailure(argv, *r));
  return Failed(argv, *r);
}

Status ZfsCli::RunChecked(const Argv& argv, Reason fallback, const Accept& accept) {
  auto r = Run(argv);
  if (!r) return tl::unexpected(r.error());
  if (r->exit_code != 0 && !(accept && accept(*r))) return Failed(argv, *r, fallback);
  return {};
}

Result<ZfsFeatures> ZfsCli::Probe(const DatasetName& pool) {
  // Options are probed by trying them against a name that does not exist:
  // an unsupported option fails with "invalid option" before anything else.
  // The probes are independent, so they go as one batch (RunAll).
  const std::string probe_fs = pool.str() + "/zpull-feature-probe-nonexistent";
  const std::string probe_snap = probe_fs + "@probe";
  enum Probe { kVersion, kRecvU, kRecvS, kSendNvP, kBookmark, kSendW, kSendC, kSendL, kSendE, kRecvX, kHolds,
               kListP, kListJ, kWritten, kGetT, kVolmode, kPoolJson, kPool, kCount };
  std::vector<Argv> probes(kCount);
  probes[kVersion] = Cmd({"version"});
  probes[kRecvU] = Cmd({"receive", "-n", "-u", probe_fs});
  probes[kRecvS] = Cmd({"receive", "-n", "-s", probe_fs});
  probes[kSendNvP] = Cmd({"send", "-nvP", probe_snap});
  probes[kBookmark] = Cmd({"bookmark"});
  probes[kSendW] = Cmd({"send", "-w", probe_snap});
  probes[kSendC] = Cmd({"send", "-c", probe_snap});
  probes[kSendL] = Cmd({"send", "-L", probe_snap});
  probes[kSendE] = Cmd({"send", "-e", probe_snap});
  probes[kRecvX] = Cmd({"receive", "-n", "-x", "mountpoint", probe_fs});
  probes[kHolds] = Cmd({"holds", "-H", probe_snap});
  probes[kListP] = Cmd({"list", "-H", "-p", "-o", "name", "-d", "0", pool.str()});
  probes[kListJ] = Cmd({"list", "-j", "-d", "0", pool.str()});
  probes[kWritten] = Cmd({"get", "-Hp", "written", pool.str()});
  probes[kGetT] = Cmd({"get", "-H", "-t", "filesystem", "type", pool.str()});
  probes[kVolmode] = Cmd({"get", "-H", "volmode", pool.str()});
  probes[kPoolJson] = PoolCmd({"status", "-j", "--json-int", pool.Pool()});
  probes[kPool] = Cmd({"list", "-H", "-o", "name", "-t", "filesystem", "-d", "1", pool.str()});  // ListChildren's shape
  auto results = runner_.RunAll(probes);
  if (!results) return InContext(results.error());
  const std::vector<CommandResult>& r = *results;

  ZfsFeatures f;
  const CommandResult& version = r[kVersion];
  if (version.exit_code == 0) {
    f.version = FirstLine(version.out);
  } else if (Contains(version.err, "unrecognized command") || Contains(version.out, "unrecognized command")) {
    f.version = "legacy";
    legacy_ = true;
  } else if (Contains(version.err, "zfs-fuse daemon")) {
    return Fail(Reason::kOther, Where() + ": zfs does not answer: " + FirstLine(version.err));
  } else {
    f.version = "unknown";
  }
  // What the source's guard refuses is as unusable as what zfs lacks.
  auto supported = [&](Probe p) {
    return !Contains(r[p].err, "invalid option") && !Contains(r[p].err, "unrecognized command") &&
           !Contains(r[p].out, "unrecognized command") && !Contains(r[p].err, "zpull-guard: refused");
  };
  f.recv_unmounted = supported(kRecvU);
  f.recv_resumable = supported(kRecvS);
  f.send_estimate = supported(kSendNvP);
  f.bookmarks = supported(kBookmark);
  f.send_raw = supported(kSendW);
  f.send_compressed = supported(kSendC);
  f.send_large_blocks = supported(kSendL);
  f.send_embedded = supported(kSendE);
  f.recv_property_override = supported(kRecvX);
  // zfs-fuse's `zfs holds` needs a Python helper it does not ship (exit 255).
  f.list_holds = r[kHolds].exit_code != 255 && !Contains(r[kHolds].err, "pyzfs") &&
                 !Contains(r[kHolds].err, "unrecognized");
  f.list_parsable = r[kListP].exit_code == 0;
  f.json = r[kListJ].exit_code == 0;
  f.written = r[kWritten].exit_code == 0;
  f.get_types = r[kGetT].exit_code == 0;
  f.volmode = r[kVolmode].exit_code == 0;
  f.pool_status_json = r[kPoolJson].exit_code == 0;
  f.pool_found = r[kPool].exit_code == 0;
  f.snapshot_many = version.exit_code == 0;
  get_types_ = f.get_types;
  pool_json_ = f.pool_status_json ? 1 : 0;
  // Over SSH only (a guard is a forced command): "zpull-guard N"; a forced
  // guard 1 refuses the command as a program it does not run; no guard: the
  // command does not exist, or (one on the PATH, not forced) it refuses its
  // own options. Apart from the batch, whose every command must be runnable.
  if (runner_.Remote()) {
    if (auto guard = runner_.Run({"zpull-guard", "version"}); guard) {
      if (guard->exit_code == 0 && guard->out.starts_with("zpull-guard ")) {
        try {
          f.guard = std::max(1, std::stoi(guard->out.substr(12)));
        } catch (const std::exception&) {
          f.guard = 1;
        }
      } else if (Contains(guard->err, "zpull-guard: refused") && !Contains(guard->err, "bad guard options")) {
        f.guard = 1;
      }
    }
  }
  guard_ = f.guard;
  return f;
}

Result<std::string> ZfsCli::Fingerprint() {
  std::string text = "zfs:";
  for (const auto& a : zfs_) text += " " + a;
  text += "\nzpool:";
  for (const auto& a : zpool_) text += " " + a;
  std::vector<Argv> asks = {Cmd({"version"})};
  if (runner_.Remote()) asks.push_back({"zpull-guard", "version"});
  for (const auto& argv : asks) {
    auto r = runner_.Run(argv);
    if (!r) return InContext(r.error());
    if (Contains(r->err, "zfs-fuse daemon")) return Fail(Reason::kOther, Where() + ": zfs does not answer: " + FirstLine(r->err));
    text += "\n" + std::to_string(r->exit_code) + "\n" + r->out + "\n" + r->err;
    // `zpool status -j` came with OpenZFS 2.3: a zfs without `zfs version`
    // (zfs-fuse, ZoL before 0.8) or older than 2.3 is asked the text form
    // first, probed or not.
    if (argv == asks[0] && pool_json_.load() < 0) {
      const std::string v = r->exit_code == 0 ? FirstLine(r->out) : "";
      int major = 0, minor = 0;
      const bool parsed = std::sscanf(v.c_str(), "zfs-%d.%d", &major, &minor) == 2;
      if (r->exit_code != 0 || (parsed && (major < 2 || (major == 2 && minor < 3)))) pool_json_ = 0;
    }
  }
  return text;
}

void ZfsCli::Adopt(const ZfsFeatures& f) {
  legacy_ = f.version == "legacy";
  get_types_ = f.get_types;
  pool_json_ = f.pool_status_json ? 1 : 0;
  guard_ = f.guard;
}

Result<std::optional<SnapshotList>> ZfsCli::ListSnapshots(const DatasetName& fs) {
  Argv argv = Cmd({"get", "-Hp", "-r", "-d", "1", "guid,createtxg,creation,userrefs", fs.str()});
  auto r = Run(argv);
  if (!r) return tl::unexpected(r.error());
  if (NotFound(*r)) return std::optional<SnapshotList>();
  if (r->exit_code != 0) {
    return Fail(ClassifyZfsError(r->err, Reason::kOther),
                Where() + ": listing " + fs.str() + ": " + DescribeFailure(argv, *r));
  }
  auto list = ParseSnapshotGet(r->out, fs.str());
  if (!list) return InContext(list.error());
  return std::optional<SnapshotList>(std::move(*list));
}

namespace {

// Parses a listing command's stdout as it arrives.
class CliSnapshotStream : public SnapshotStream {
 public:
  // `limit`: give up when the listing has not ended after this long (0: never).
  CliSnapshotStream(std::unique_ptr<Process> process, const std::vector<std::string>& wanted, std::string host,
                    Argv argv, std::chrono::milliseconds limit, const ListingOptions& options = {})
      : process_(std::move(process)), parser_(wanted, '@', options), host_(std::move(host)), argv_(std::move(argv)),
        limit_(limit), buf_(256 * 1024) {}

  Result<std::optional<SnapshotBlock>> Next() override {
    for (;;) {
      if (auto b = parser_.Pop()) return std::optional<SnapshotBlock>(std::move(*b));
      if (finished_) return std::optional<SnapshotBlock>();
      auto n = ReadSome();
      if (!n) return Failed(n.error());
      if (*n > 0) {
        auto s = parser_.Feed(std::string_view(buf_.data(), *n));
        if (!s) return Failed(s.error());
        continue;
      }
      auto exit = process_->Wait();
      if (!exit) return Failed(exit.error());
      finished_ = true;
      auto s = parser_.Finish(exit->err, exit->exit_code == 0);
      if (!s) {
        // An unexplained gap is the command's failure when it failed.
        Error e = s.error();
        if (exit->exit_code != 0) e.reason = ClassifyZfsError(exit->err, Reason::kOther);
        return Failed(e);
      }
    }
  }

 private:
  // Some output, or 0 at its end; the whole listing within limit_ (a source
  // that trickles bytes is bounded too).
  Result<std::size_t> ReadSome() {
    while (true) {
      auto chunk = process_->ReadFor(buf_, std::chrono::milliseconds(1000));
      if (!chunk) return tl::unexpected(chunk.error());
      if (chunk->bytes > 0 || chunk->end) {
        if (limit_.count() > 0 && std::chrono::steady_clock::now() - started_ >= limit_ && !chunk->end) {
          return tl::unexpected(CommandTimedOut(argv_, limit_, "command_timeout"));
        }
        return chunk->bytes;
      }
      if (limit_.count() > 0 && std::chrono::steady_clock::now() - started_ >= limit_) {
        return tl::unexpected(CommandTimedOut(argv_, limit_, "command_timeout"));
      }
    }
  }

  tl::unexpected<Error> Failed(const Error& e) {
    finished_ = true;
    process_->Abort();
    return tl::unexpected(WithContext(e, HostContext(host_)));
  }

  std::unique_ptr<Process> process_;
  SnapshotGetParser parser_;
  std::string host_;
  const Argv argv_;
  const std::chrono::milliseconds limit_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::vector<char> buf_;
  bool finished_ = false;
};

// The listings of consecutive batches of filesystems as one stream: a
// batch's command starts when the one before has been read to its end.
class BatchedSnapshotStream : public SnapshotStream {
 public:
  using Start = std::function<Result<std::unique_ptr<SnapshotStream>>(const std::vector<std::string>&)>;
  BatchedSnapshotStream(std::vector<std::vector<std::string>> batches, Start start)
      : batches_(std::move(batches)), start_(std::move(start)) {}

  Result<std::optional<SnapshotBlock>> Next() override {
    for (;;) {
      if (!current_) {
        if (next_ == batches_.size()) return std::optional<SnapshotBlock>();
        auto s = start_(batches_[next_++]);
        if (!s) {
          next_ = batches_.size();
          return tl::unexpected(s.error());
        }
        current_ = std::move(*s);
      }
      auto block = current_->Next();
      if (!block || *block) return block;
      current_.reset();
    }
  }

 private:
  std::vector<std::vector<std::string>> batches_;
  Start start_;
  std::size_t next_ = 0;
  std::unique_ptr<SnapshotStream> current_;
};

}  // namespace

Result<std::unique_ptr<SnapshotStream>> ZfsCli::StreamSnapshotsOf(const std::vector<DatasetName>& filesystems,
                                                                  const ListingOptions& options) {
  if (filesystems.empty()) return std::make_unique<VectorSnapshotStream>(std::vector<SnapshotBlock>{});
  std::string properties = "guid,createtxg,creation,userrefs";
  if (!options.mark.empty()) properties += "," + options.mark;
  for (const auto& p : options.properties) properties += "," + p;
  if (!options.roots.empty()) {
    // Each batch of roots wants the filesystems within them.
    const Argv head = Cmd({"get", "-Hp", "-r", properties});
    auto start = [this, head, options, names = Names(filesystems)](
                     const std::vector<std::string>& roots) -> Result<std::unique_ptr<SnapshotStream>> {
      std::vector<std::string> wanted;
      for (const auto& fs : names) {
        if (std::any_of(roots.begin(), roots.end(),
                        [&](const std::string& r) { return fs == r || fs.starts_with(r + "/"); })) {
          wanted.push_back(fs);
        }
      }
      ListingOptions batch = options;
      batch.roots = roots;
      const Argv argv = Joined(head, roots);
      auto p = runner_.Start(argv);
      if (!p) return InContext(p.error());
      (*p)->CloseStdin();
      return std::make_unique<CliSnapshotStream>(std::move(*p), wanted, runner_.Host(), argv,
                                                 runner_.CommandTimeout(), batch);
    };
    auto batches = ArgBatches(head, options.roots, runner_.MaxCommandBytes());
    if (batches.size() == 1) return start(batches.front());
    return std::make_unique<BatchedSnapshotStream>(std::move(batches), std::move(start));
  }
  const Argv head = Cmd({"get", "-Hp", "-r", "-d", "1", properties});
  auto start = [this, head, options](const std::vector<std::string>& wanted) -> Result<std::unique_ptr<SnapshotStream>> {
    const Argv argv = Joined(head, wanted);
    auto p = runner_.Start(argv);
    if (!p) return InContext(p.error());
    (*p)->CloseStdin();
    return std::make_unique<CliSnapshotStream>(std::move(*p), wanted, runner_.Host(), argv, runner_.CommandTimeout(),
                                               options);
  };
  auto batches = ArgBatches(head, Names(filesystems), runner_.MaxCommandBytes());
  if (batches.size() == 1) return start(batches.front());
  return std::make_unique<BatchedSnapshotStream>(std::move(batches), std::move(start));
}

Result<bool> ZfsCli::Exists(const DatasetName& fs) {
  auto r = RunOk(Cmd({"get", "-Hp", "type", fs.str()}), std::nullopt, NotFound);
  if (!r) return tl::unexpected(r.error());
  return !NotFound(*r);
}

Status ZfsCli::CreateSnapshot(const DatasetName& fs, const std::string& snap) {
  return RunChecked(Cmd({"snapshot", fs.Snapshot(snap)}), Reason::kSourceMissing);
}

namespace {
// A guard older than kGuardForTrees admits one snapshot name per `zfs snapshot`.
bool OneSnapshotPerCommand(int guard) { return guard > 0 && guard < kGuardForTrees; }
}  // namespace

Status ZfsCli::CreateSnapshotTree(const DatasetName& root, const std::string& snap) {
  if (OneSnapshotPerCommand(guard_)) return OldGuard("zfs snapshot -r");
  return RunChecked(Cmd({"snapshot", "-r", root.Snapshot(snap)}), Reason::kSourceMissing);
}

Status ZfsCli::CreateSnapshots(const std::vector<DatasetName>& filesystems, const std::string& snap) {
  if (filesystems.empty()) return {};
  if (filesystems.size() > 1 && OneSnapshotPerCommand(guard_)) return OldGuard("several names in one zfs snapshot");
  std::vector<std::string> names;
  for (const auto& fs : filesystems) names.push_back(fs.Snapshot(snap));
  // One command or none: split, the snapshots would not be of one point in time.
  const Argv argv = Joined(Cmd({"snapshot"}), names);
  if (ArgBatches(Cmd({"snapshot"}), names, runner_.MaxCommandBytes()).size() > 1) {
    return Fail(Reason::kOther, Where() + ": " + std::to_string(names.size()) +
                                    " snapshots do not fit one zfs snapshot command");
  }
  return RunChecked(argv, Reason::kSourceMissing);
}

Result<std::map<std::string, SnapshotInfo>> ZfsCli::SnapshotOf(const std::vector<DatasetName>& filesystems,
                                                               const std::string& snap) {
  std::map<std::string, SnapshotInfo> out;
  if (guard_ == 1) return OldGuard("zfs get of snapshots by name");
  std::vector<std::string> names;
  for (const auto& fs : filesystems) names.push_back(fs.Snapshot(snap));
  const Argv head = Cmd({"get", "-Hp", "guid,createtxg,creation,userrefs"});
  for (const auto& batch : ArgBatches(head, names, runner_.MaxCommandBytes())) {
    const Argv argv = Joined(head, batch);
    // A snapshot that is not there is left out; any other failure fails.
    auto r = RunOk(argv, std::nullopt, [](const CommandResult& c) { return NotFound(c); });
    if (!r) return tl::unexpected(r.error());
    std::vector<std::string> wanted;
    for (const auto& name : batch) wanted.push_back(name.substr(0, name.find('@')));
    SnapshotGetParser parser(wanted);
    if (auto s = parser.Feed(r->out); !s) return InContext(s.error());
    if (auto s = parser.End(); !s) return InContext(s.error());
    while (auto block = parser.Pop()) {
      if (!block->snapshots) continue;
      for (auto& info : *block->snapshots) {
        if (info.name == snap) out[block->fs] = std::move(info);
      }
    }
  }
  return out;
}

Status ZfsCli::DestroySnapshot(const DatasetName& fs, const std::string& snap) {
  return RunChecked(Cmd({"destroy", fs.Snapshot(snap)}), Reason::kOther);
}

Status ZfsCli::Hold(const DatasetName& fs, const std::string& snap, const std::string& tag) {
  return RunChecked(Cmd({"hold", tag, fs.Snapshot(snap)}), Reason::kOther, Says("tag already exists"));
}

Status ZfsCli::HoldOf(const std::vector<std::string>& snapshots, const std::string& tag) {
  const Argv head = Cmd({"hold", tag});
  for (const auto& batch : ArgBatches(head, snapshots, runner_.MaxCommandBytes())) {
    if (auto s = RunChecked(Joined(head, batch), Reason::kOther); !s) return s;
  }
  return {};
}

Result<bool> ZfsCli::Release(const DatasetName& fs, const std::string& snap, const std::string& tag) {
  auto r = RunOk(Cmd({"release", tag, fs.Snapshot(snap)}), std::nullopt, Says("no such tag"));
  if (!r) return tl::unexpected(r.error());
  return r->exit_code == 0;
}

Result<std::optional<std::string>> ZfsCli::GetUserProperty(const DatasetName& fs, const std::string& snap,
                                                           const std::string& property) {
  Argv argv = Cmd({"get", "-Hp", property, Target(fs, snap)});
  auto r = RunOk(argv, Reason::kDestinationMissing);
  if (!r) return tl::unexpected(r.error());
  auto lines = ParseGetLines(r->out);
  if (!lines) return InContext(lines.error());
  if (lines->size() != 1) {
    return Fail(Reason::kOther, Where() + ": expected one line from " + DescribeFailure(argv, *r));
  }
  // Unset: value "-", source "-"; set here: source "local" (not "received",
  // not "inherited from …").
  if ((*lines)[0].source != "local") return std::optional<std::string>();
  return std::optional<std::string>(std::string((*lines)[0].value));
}

Result<std::string> ZfsCli::GetProperty(const DatasetName& fs, const std::string& property) {
  Argv argv = Cmd({"get", "-Hp", property, fs.str()});
  auto r = RunOk(argv);
  if (!r) return tl::unexpected(r.error());
  auto lines = ParseGetLines(r->out);
  if (!lines) return InContext(lines.error());
  if (lines->size() != 1) {
    return Fail(Reason::kOther, Where() + ": expected one line from " + DescribeFailure(argv, *r));
  }
  return std::string((*lines)[0].value);
}

Result<std::map<std::string, std::string>> ZfsCli::GetPropertyOf(const std::vector<DatasetName>& filesystems,
                                                                 const std::string& property) {
  std::map<std::string, std::string> out;
  const Argv head = Cmd({"get", "-Hp", property});
  for (const auto& batch : ArgBatches(head, Names(filesystems), runner_.MaxCommandBytes())) {
    // Some filesystems missing is a result; a failure listing nothing is not.
    auto r = RunOk(Joined(head, batch), std::nullopt, [](const CommandResult& res) {
      auto lines = ParseGetLines(res.out);
      return !lines || !lines->empty() || Contains(res.err, "dataset does not exist");
    });
    if (!r) return tl::unexpected(r.error());
    auto lines = ParseGetLines(r->out);
    if (!lines) return InContext(lines.error());
    for (const auto& l : *lines) out[std::string(l.name)] = std::string(l.value);
  }
  return out;
}

Status ZfsCli::SetUserProperty(const DatasetName& fs, const std::string& snap, const std::string& property,
                               const std::string& value) {
  return RunChecked(Cmd({"set", property + "=" + value, Target(fs, snap)}), Reason::kOther);
}

Status ZfsCli::SetUserPropertyOf(const std::vector<std::string>& targets, const std::string& property,
                                 const std::string& value) {
  const Argv head = Cmd({"set", property + "=" + value});
  Status result;
  for (const auto& batch : ArgBatches(head, targets, runner_.MaxCommandBytes())) {
    // Each batch is tried: a target that fails leaves the others set.
    if (auto s = RunChecked(Joined(head, batch), Reason::kOther); !s && result) result = s;
  }
  return result;
}

Result<std::optional<std::map<std::string, std::string>>> ZfsCli::SnapshotUserProperty(
    const DatasetName& fs, const std::string& property) {
  auto r = RunOk(Cmd({"get", "-Hp", "-r", "-d", "1", property, fs.str()}), std::nullopt, NotFound);
  if (!r) return tl::unexpected(r.error());
  if (NotFound(*r)) return std::optional<std::map<std::string, std::string>>();
  auto values = ParseSnapshotProperty(r->out, fs.str(), property);
  if (!values) return InContext(values.error());
  return std::optional<std::map<std::string, std::string>>(std::move(*values));
}

Status ZfsCli::Clone(const DatasetName& fs, const std::string& snap, const DatasetName& target,
                     const std::string& mountpoint) {
  // A clone mounts a source's content: nothing in it runs, as on a replica.
  // Guard 1 admits only the older shape (without setuid/devices/exec).
  if (guard_ == 1) {
    return RunChecked(Cmd({"clone", "-o", "readonly=on", "-o", "mountpoint=" + mountpoint, fs.Snapshot(snap),
                           target.str()}),
                      Reason::kOther);
  }
  return RunChecked(Cmd({"clone", "-o", "readonly=on", "-o", "setuid=off", "-o", "devices=off", "-o", "exec=off", "-o",
                         "mountpoint=" + mountpoint, fs.Snapshot(snap), target.str()}),
                    Reason::kOther);
}

Status ZfsCli::DestroyFilesystem(const DatasetName& fs) {
  // zfs-fuse: destroying a mounted fs fails once with "dataset is busy";
  // unmount first, and retry while busy (docs/zfs-dialects.md §0, §4).
  Argv unmount = Cmd({"unmount", fs.str()});
  Argv destroy = Cmd({"destroy", fs.str()});
  CommandResult last;
  for (int attempt = 0; attempt < 8; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(500));
    (void)Run(unmount);
    auto r = Run(destroy);
    if (!r) return tl::unexpected(r.error());
    if (r->exit_code == 0 || NotFound(*r)) return {};
    last = *r;
    if (!Contains(r->err, "busy")) break;
  }
  return Failed(destroy, last);
}

Result<std::vector<std::string>> ZfsCli::ListChildren(const DatasetName& parent) {
  Argv argv = Cmd({"list", "-H", "-o", "name", "-t", "filesystem", "-d", "1", parent.str()});
  auto r = RunOk(argv);
  if (!r) return tl::unexpected(r.error());
  std::vector<std::string> out;
  for (std::string_view name : SplitLines(r->out)) {
    if (!name.empty() && name != parent.str()) out.emplace_back(name);
  }
  return out;
}

Result<std::vector<TreeEntry>> ZfsCli::ListTree(const DatasetName& root, const std::string& property) {
  Argv argv = Cmd({"list", "-H", "-r", "-t", "filesystem,volume", "-o", "name," + property, root.str()});
  auto r = RunOk(argv, Reason::kSourceMissing);
  if (!r) return tl::unexpected(r.error());
  auto entries = ParseTreeListing(r->out);
  if (!entries) return InContext(entries.error());
  return entries;
}

namespace {

// `zfs get -H -o name,property,value,source` output, snapshots left out.
Result<std::vector<DatasetProperties>> ByDataset(std::string_view output) {
  auto lines = ParseGetLines(output);
  if (!lines) return tl::unexpected(lines.error());
  std::vector<DatasetProperties> out;
  for (const auto& l : *lines) {
    if (l.name.find('@') != std::string_view::npos) continue;
    if (out.empty() || out.back().name != l.name) out.push_back({std::string(l.name), {}});
    out.back().values[std::string(l.property)] = {std::string(l.value), std::string(l.source)};
  }
  return out;
}

std::string PropertyList(const std::vector<std::string>& properties) {
  std::string list = "type";
  for (const auto& p : properties) list += "," + p;
  return list;
}

}  // namespace

Result<DatasetProperties> ZfsCli::GetProperties(const DatasetName& fs, const std::vector<std::string>& properties) {
  Argv argv = Cmd({"get", "-H", "-o", "name,property,value,source", PropertyList(properties), fs.str()});
  auto r = RunOk(argv, Reason::kDestinationMissing);
  if (!r) return tl::unexpected(r.error());
  auto got = ByDataset(r->out);
  if (!got) return InContext(got.error());
  if (got->size() != 1 || (*got)[0].name != fs.str()) {
    return Fail(Reason::kOther, Where() + ": expected the properties of " + fs.str() + " from " + DescribeFailure(argv, *r));
  }
  return std::move((*got)[0]);
}

Result<std::vector<DatasetProperties>> ZfsCli::GetTreeProperties(const DatasetName& root,
                                                               const std::vector<std::string>& properties) {
  // Without -t (zfs-fuse) the snapshots come too: ByDataset leaves them out.
  Argv argv = get_types_ ? Cmd({"get", "-H", "-r", "-t", "filesystem,volume", "-o", "name,property,value,source",
                                PropertyList(properties), root.str()})
                         : Cmd({"get", "-H", "-r", "-o", "name,property,value,source", PropertyList(properties),
                                root.str()});
  auto r = RunOk(argv, Reason::kDestinationMissing);
  if (!r) return tl::unexpected(r.error());
  auto got = ByDataset(r->out);
  if (!got) return InContext(got.error());
  return got;
}

Result<std::optional<std::string>> ZfsCli::MountedAt(const DatasetName& fs) {
  Argv argv = Cmd({"get", "-Hp", "mounted,mountpoint", fs.str()});
  auto r = RunOk(argv);
  if (!r) return tl::unexpected(r.error());
  auto lines = ParseGetLines(r->out);
  if (!lines) return InContext(lines.error());
  std::string mounted, mountpoint;
  for (const auto& l : *lines) {
    if (l.property == "mounted") mounted = std::string(l.value);
    if (l.property == "mountpoint") mountpoint = std::string(l.value);
  }
  if (mounted != "yes" || mountpoint.empty() || mountpoint[0] != '/') return std::optional<std::string>();
  return std::optional<std::string>(mountpoint);
}

Result<PoolStatus> ZfsCli::GetPoolStatus(const std::string& pool) {
  // OpenZFS >= 2.3: JSON with integers; older dialects: the text.
  if (pool_json_.load() != 0) {
    Argv json = PoolCmd({"status", "-j", "--json-int", pool});
    auto r = Run(json);
    if (!r) return tl::unexpected(r.error());
    if (r->exit_code == 0) {
      pool_json_ = 1;
      auto st = ParsePoolStatusJson(r->out, pool);
      if (!st) return tl::unexpected(WithContext(st.error(), Where() + ": zpool status " + pool));
      return st;
    }
    if (Contains(r->err, "invalid option") || Contains(r->err, "unrecognized")) {
      pool_json_ = 0;
    } else {
      return Failed(json, *r);
    }
  }
  Argv argv = PoolCmd({"status", "-v", pool});
  auto r = RunOk(argv);
  if (!r) return tl::unexpected(r.error());
  auto st = ParsePoolStatus(r->out);
  if (!st) return tl::unexpected(WithContext(st.error(), Where() + ": zpool status " + pool));
  return st;
}

Result<PoolSpace> ZfsCli::GetPoolSpace(const std::string& pool) {
  // Exact bytes with -p (OpenZFS); zfs-fuse has no -p and prints sizes
  // rounded like 95.5M.
  for (bool parsable : {true, false}) {
    Argv argv = parsable ? PoolCmd({"list", "-Hp", "-o", "size,allocated,free", pool})
                         : PoolCmd({"list", "-H", "-o", "size,allocated,free", pool});
    auto r = Run(argv);
    if (!r) return tl::unexpected(r.error());
    if (r->exit_code != 0) {
      if (parsable && Contains(r->err, "invalid option")) continue;
      return Failed(argv, *r);
    }
    std::string line = FirstLine(r->out);
    std::vector<std::string> f;
    std::size_t pos = 0;
    while (f.size() < 3) {
      std::size_t tab = line.find('\t', pos);
      f.push_back(line.substr(pos, tab == std::string::npos ? std::string::npos : tab - pos));
      if (tab == std::string::npos) break;
      pos = tab + 1;
    }
    std::optional<std::uint64_t> v[3];
    for (std::size_t i = 0; i < 3 && i < f.size(); ++i) v[i] = ParseNiceBytes(f[i]);
    if (f.size() < 3 || !v[0] || !v[1] || !v[2]) {
      return Fail(Reason::kOther, Where() + ": unexpected zpool list output: '" + line + "'");
    }
    return PoolSpace{*v[0], *v[1], *v[2]};
  }
  return Fail(Reason::kOther, Where() + ": zpool list failed");
}

Status ZfsCli::StartScrub(const std::string& pool) {
  return RunChecked(PoolCmd({"scrub", pool}), Reason::kOther, Says("currently scrubbing"));
}

Argv ZfsCli::SendArgv(const SendSpec& spec) const {
  Argv a = Cmd({"send"});
  if (!spec.resume_token.empty()) {
    // The token carries the original flags; -t admits no others.
    a.push_back("-t");
    a.push_back(spec.resume_token);
    return a;
  }
  for (auto [on, flag] : {std::pair{spec.raw, "-w"}, {spec.compressed, "-c"}, {spec.large_blocks, "-L"},
                          {spec.embedded, "-e"}, {spec.properties, "-p"}}) {
    if (on) a.push_back(flag);
  }
  if (spec.from && spec.from_bookmark) {
    a.push_back("-i");
    a.push_back(spec.fs.str() + "#" + *spec.from);
  } else if (spec.from) {
    a.push_back(spec.intermediates ? "-I" : "-i");
    a.push_back(spec.fs.Snapshot(*spec.from));
  }
  a.push_back(spec.fs.Snapshot(spec.to));
  return a;
}

Argv ZfsCli::RecvArgv(const RecvSpec& spec) const {
  Argv a = Cmd({"receive"});
  if (spec.unmounted) a.push_back("-u");
  if (spec.resumable) a.push_back("-s");
  if (spec.force) a.push_back("-F");
  for (const auto& p : spec.set) {
    a.push_back("-o");
    a.push_back(p);
  }
  for (const auto& p : spec.exclude) {
    a.push_back("-x");
    a.push_back(p);
  }
  a.push_back(spec.fs.str());
  return a;
}

Result<std::uint64_t> ZfsCli::EstimateSend(const SendSpec& spec) {
  Argv argv = SendArgv(spec);
  argv.insert(argv.begin() + static_cast<std::ptrdiff_t>(zfs_.size()) + 1, "-nvP");
  auto r = RunOk(argv);
  if (!r) return tl::unexpected(r.error());
  auto size = ParseSendEstimate(r->out);
  if (!size) return InContext(size.error());
  return size;
}

Result<std::unique_ptr<Process>> ZfsCli::StartSend(const SendSpec& spec) {
  Argv argv = SendArgv(spec);
  // legacy: a dropped connection must not kill zfs-fuse's client before it
  // releases its .send-* holds; with SIGPIPE ignored it sees EPIPE instead.
  if (spec.wire_zstd) {
    // The stream goes through `zstd -c` on the source (core/zstd_pipeline.h).
    Argv wrapped = {"sh", "-c", ZstdSendScript(legacy_), "sh"};
    wrapped.insert(wrapped.end(), argv.begin(), argv.end());
    argv = std::move(wrapped);
  } else if (legacy_) {
    // zfs-fuse exists only on Linux, whose coreutils env can ignore a signal.
    Argv wrapped = {"env", "--ignore-signal=PIPE"};
    wrapped.insert(wrapped.end(), argv.begin(), argv.end());
    argv = std::move(wrapped);
  }
  auto p = runner_.Start(argv);
  if (!p) return InContext(p.error());
  return p;
}

Result<std::optional<std::string>> ZfsCli::ResumeToken(const DatasetName& fs) {
  Argv argv = Cmd({"get", "-Hp", "receive_resume_token", fs.str()});
  auto r = RunOk(argv, std::nullopt, NotFound);
  if (!r) return tl::unexpected(r.error());
  if (NotFound(*r)) return std::optional<std::string>();
  auto lines = ParseGetLines(r->out);
  if (!lines) return InContext(lines.error());
  if (lines->size() != 1) {
    return Fail(Reason::kOther, Where() + ": expected one line from " + DescribeFailure(argv, *r));
  }
  std::string value((*lines)[0].value);
  if (value.empty() || value == "-") return std::optional<std::string>();
  return std::optional<std::string>(std::move(value));
}

Status ZfsCli::AbortPartialReceive(const DatasetName& fs) {
  // Nothing to abort is what we want anyway.
  return RunChecked(Cmd({"receive", "-A", fs.str()}), Reason::kOther,
                    Says("does not have any resumable receive state"));
}

Status ZfsCli::CreateContainer(const DatasetName& fs) {
  return RunChecked(Cmd({"create", "-o", "canmount=off", "-o", "setuid=off", "-o", "devices=off", "-o", "exec=off",
                         fs.str()}),
                    Reason::kDestinationMissing);
}

Status ZfsCli::Rollback(const DatasetName& fs, const std::string& snap) {
  return RunChecked(Cmd({"rollback", fs.Snapshot(snap)}), Reason::kOther);
}

Status ZfsCli::SetProperty(const DatasetName& fs, const std::string& property, const std::string& value) {
  return RunChecked(Cmd({"set", property + "=" + value, fs.str()}), Reason::kOther);
}

Status ZfsCli::InheritProperty(const DatasetName& fs, const std::string& property) {
  return RunChecked(Cmd({"inherit", property, fs.str()}), Reason::kOther);
}

Status ZfsCli::CreateBookmark(const DatasetName& fs, const std::string& snap, const std::string& bookmark) {
  return RunChecked(Cmd({"bookmark", fs.Snapshot(snap), fs.str() + "#" + bookmark}), Reason::kOther,
                    Says("bookmark exists"));
}

Status ZfsCli::DestroyBookmark(const DatasetName& fs, const std::string& bookmark) {
  return RunChecked(Cmd({"destroy", fs.str() + "#" + bookmark}), Reason::kOther, NotFound);
}

Result<SnapshotList> ZfsCli::ListBookmarks(const DatasetName& fs) {
  auto all = ListBookmarksOf({fs});
  if (!all) return tl::unexpected(all.error());
  auto it = all->find(fs.str());
  if (it == all->end()) {
    const std::string why = "cannot open '" + fs.str() + "': dataset does not exist";
    return Fail(ClassifyZfsError(why, Reason::kOther), Where() + ": listing bookmarks: " + why);
  }
  return std::move(it->second);
}

Result<std::map<std::string, SnapshotList>> ZfsCli::ListBookmarksOf(const std::vector<DatasetName>& filesystems) {
  std::map<std::string, SnapshotList> out;
  const Argv head = Cmd({"get", "-Hp", "-r", "-d", "1", "-t", "bookmark", "guid,createtxg,creation"});
  for (const auto& wanted : ArgBatches(head, Names(filesystems), runner_.MaxCommandBytes())) {
    // Some filesystems missing is a result; a failure listing nothing is not.
    auto r = RunOk(Joined(head, wanted), std::nullopt, ListedOrMissing);
    if (!r) return tl::unexpected(r.error());
    SnapshotGetParser parser(wanted, '#');
    auto parsed = parser.Feed(r->out);
    if (parsed) parsed = parser.End();
    if (!parsed) return InContext(parsed.error());
    while (auto block = parser.Pop()) {
      if (block->snapshots) out[block->fs] = std::move(*block->snapshots);
    }
    // `-t bookmark` prints nothing for a filesystem without bookmarks.
    for (const auto& fs : wanted) {
      if (!out.count(fs) && !Contains(r->err, "'" + fs + "': dataset does not exist")) out[fs] = {};
    }
  }
  return out;
}

Result<std::map<std::string, std::vector<HoldInfo>>> ZfsCli::ListHoldsOf(const std::vector<std::string>& snapshots) {
  std::map<std::string, std::vector<HoldInfo>> out;
  const Argv head = Cmd({"holds", "-Hp"});
  for (const auto& batch : ArgBatches(head, snapshots, runner_.MaxCommandBytes())) {
    // A snapshot destroyed since it was listed holds nothing: zfs says so on
    // stderr and lists the others.
    auto r = RunOk(Joined(head, batch), std::nullopt, [](const CommandResult& res) {
      for (std::string_view line : SplitLines(res.err)) {
        if (!line.empty() && !Contains(line, "dataset does not exist")) return false;
      }
      return true;
    });
    if (!r) return tl::unexpected(r.error());
    auto holds = ParseHolds(r->out);
    if (!holds) return InContext(holds.error());
    for (auto& [fs, list] : *holds) {
      auto& into = out[fs];
      into.insert(into.end(), list.begin(), list.end());
    }
  }
  return out;
}

Result<std::unique_ptr<Process>> ZfsCli::StartRecv(const RecvSpec& spec) {
  auto p = runner_.Start(RecvArgv(spec));
  if (!p) return InContext(p.error());
  return p;
}

}  // namespace zpull::core
