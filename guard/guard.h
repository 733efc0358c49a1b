#pragma once
// zpull-guard: the forced command of zpull's key in a source's
// authorized_keys. It admits exactly the command shapes zpull sends and
// executes them without a shell; everything else is refused. Pure
// decisions here; main.cc reads SSH_ORIGINAL_COMMAND and execs.
//
// Why a small static program and not sh: SSH hands the command over as one
// string that zpull builds with core/shell_quote (every word single-quoted).
// Undoing that quoting and then matching zfs's option grammar in POSIX sh
// means eval or fragile case patterns, where one mistake runs a shell; C++
// parses the one quoting form zpull produces, rejects any other shell syntax
// outright, and hands execvp() an argv, so no shell ever sees the string.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/beneath.h"

namespace zpull::guard {

using Argv = std::vector<std::string>;

// What `zpull-guard version` answers: "zpull-guard <kVersion>". Version 1
// (no answer: it refuses the command) admitted the shapes of
// tests/fixtures/guard-v1/; 2 confines clones, reads, destroys and sends;
// 3 admits the snapshot of a tree at one point in time (`zfs snapshot -r
// ROOT@S`, `zfs snapshot A@S B@S …`), each dataset it touches confined.
inline constexpr int kVersion = 3;

struct Options {
  bool drills = false;    // --drills: clones, find/sha256sum/test for restore drills
  bool destroy = false;   // --destroy: zfs destroy of zpull's snapshots (source pruning, on by default)
  bool zstd = false;      // --zstd: the compress: zstd pipeline (sh with zpull's fixed script)
  bool scrub = false;     // --scrub: zpool scrub (scrub.every with source_pools)
  std::string drill_prefix = "zpull_";  // --drill-prefix: scratch clones are <pool>/<prefix>…_drill_…
  std::string drill_dir = "/var/tmp/zpull-drills";  // --drill-dir: drill.source_directory (clone mounts)
  std::vector<std::string> hooks;       // --hook PATH: a pre-snapshot hook's program
  // --snapshot-prefix P: --destroy admits only snapshots named P_…
  std::string snapshot_prefix;
  // --datasets PATTERN…: only datasets matching one (fnmatch, `*` spans
  // `/`) may be sent, snapshotted or cloned; none given: any.
  std::vector<std::string> datasets;
  // --resolve-walk: drill reads are checked by the O_NOFOLLOW walk even
  // where the kernel has openat2 (tests).
  bool resolve_walk = false;
};

// What the guard learns from the host before it decides; main.cc asks the
// host, tests fake it. An empty function knows nothing (the command that
// needs it is refused).
struct HostFacts {
  // The `origin` of a filesystem ("-": not a clone); nullopt: unreadable.
  std::function<std::optional<std::string>(const std::string& fs)> origin;
  // The dataset (or snapshot) mounted at exactly `dir` where that is a ZFS
  // snapshot (`snapshot`) or filesystem, as the kernel says (statfs, the
  // mount table), not as the path looks; nullopt otherwise.
  std::function<std::optional<std::string>(const std::string& dir, bool snapshot)> zfs_root;
  // What `rel` beneath `root` is, never following a link (core/beneath.h).
  std::function<core::FileKind(const std::string& root, const std::string& rel)> kind;
  // Why the drill directory is no safe place for clones (core::UnsafeDirectory,
  // made where missing); nullopt: safe.
  std::function<std::optional<std::string>(const std::string& dir)> unsafe_dir;
  // `root` and every filesystem and volume below it; nullopt: unreadable.
  std::function<std::optional<std::vector<std::string>>(const std::string& root)> tree;
};

// The facts of this host (statfs, the mount table, core::KindBeneath,
// `zfs get origin`, `zfs list -r`).
HostFacts RealHostFacts(const Options& options);

// Where a drill read's path lies: the root of a snapshot (…/.zfs/snapshot/S)
// or of a scratch clone (<drill dir>/<leaf>), and the rest; nullopt if it
// is neither.
struct DrillPath {
  std::string root, rel;
  bool snapshot = false;
};
std::optional<DrillPath> DrillPathOf(const std::string& path, const Options& options);

// `sha256sum -z -- FILES`, admitted by Refusal, done by the guard itself:
// each root opened once and checked through that descriptor (a mounted
// ZFS snapshot or clone, by mount id), each file opened beneath it through
// no symlink, `..` or other mount, read only if a regular file. Prints
// sha256sum's output; returns its exit status.
int HashDrillFiles(const Argv& argv, const Options& options);

// Options from the guard's own command line (in authorized_keys); an error
// message names a bad one.
std::optional<Options> ParseOptions(const std::vector<std::string>& args, std::string& error);

// SSH_ORIGINAL_COMMAND -> argv: words of plain characters and single-quoted
// parts ('\'' for a quote) separated by single spaces. Anything else a shell
// would interpret (unquoted ; | & $ ` < > ( ) * ? [ ] ~ # ! { } " \ newline,
// tabs, double spaces) is an error.
std::optional<Argv> ParseCommandLine(const std::string& line, std::string& error);

// Whether `argv` is a command zpull sends, given `options` and what `facts`
// say of the host: nullopt if allowed, else why not.
std::optional<std::string> Refusal(const Argv& argv, const Options& options, const HostFacts& facts = {});

// The answer to `zpull-guard version` and `zpull-guard --version`.
std::string VersionLine();

// The sh -c scripts of ZfsCli::StartSend's zstd pipeline (exact matches).
const std::vector<std::string>& ZstdScripts();

}  // namespace zpull::guard
