#include "guard/guard.h"

#include <fnmatch.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "core/zstd_pipeline.h"

namespace zpull::guard {
namespace {

bool PlainChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("_-.,:/@%+=^").find(c) != std::string_view::npos;
}

// A ZFS dataset, snapshot or bookmark name: no option look-alike, only the
// characters ZFS allows (a space included).
bool ZfsName(const std::string& s) {
  if (s.empty() || s[0] == '-' || s[0] == '/' || s.size() > 1024) return false;
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || std::string_view("_-.:/@# %").find(c) != std::string_view::npos)) {
      return false;
    }
  }
  return s.find("..") == std::string::npos;
}
bool Snapshot(const std::string& s) { return ZfsName(s) && s.find('@') != std::string::npos && s.find('#') == std::string::npos; }
bool Bookmark(const std::string& s) { return ZfsName(s) && s.find('#') != std::string::npos && s.find('@') == std::string::npos; }
bool Filesystem(const std::string& s) { return ZfsName(s) && s.find_first_of("@#") == std::string::npos; }
bool PoolName(const std::string& s) { return Filesystem(s) && s.find('/') == std::string::npos; }
bool Word(const std::string& s, const char* extra) {  // property lists, types, tags
  if (s.empty() || s[0] == '-') return false;
  return std::all_of(s.begin(), s.end(), [&](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::string_view(extra).find(c) != std::string_view::npos;
  });
}
bool Digits(const std::string& s) { return !s.empty() && std::all_of(s.begin(), s.end(), ::isdigit); }
bool AbsolutePath(const std::string& s) {
  if (s.empty() || s[0] != '/' || s.find("/../") != std::string::npos || s.ends_with("/..")) return false;
  return std::none_of(s.begin(), s.end(), [](char c) { return c == '\n' || c == '\0'; });
}

using Check = std::optional<std::string>;
Check No(const std::string& why) { return why; }

// zfs get / zfs list: options with their values, then names.
Check GetOrList(const Argv& a, bool list) {
  std::size_t i = 2;
  bool names = false;
  bool need_props = !list;
  while (i < a.size()) {
    const std::string& w = a[i];
    if (!names && (w == "-H" || w == "-p" || w == "-Hp" || w == "-r" || (list && w == "-j"))) {
      ++i;
    } else if (!names && w == "-d" && i + 1 < a.size() && Digits(a[i + 1])) {
      i += 2;
    } else if (!names && w == "-t" && i + 1 < a.size() && Word(a[i + 1], ",")) {
      i += 2;
    } else if (!names && list && w == "-o" && i + 1 < a.size() && Word(a[i + 1], ",:_.")) {
      i += 2;
    } else if (need_props) {
      if (!Word(w, ",:_.")) return No("zfs get: '" + w + "' is not a property list");
      need_props = false;
      ++i;
    } else if (ZfsName(w)) {
      names = true;
      ++i;
    } else {
      return No(std::string("zfs ") + (list ? "list" : "get") + ": unexpected argument '" + w + "'");
    }
  }
  if (need_props) return No("zfs get: no property");
  return std::nullopt;
}

// The dataset part of a snapshot or bookmark name.
std::string DatasetOf(const std::string& name) { return name.substr(0, name.find_first_of("@#")); }

// Whether --datasets lets zpull send, snapshot or clone `dataset`.
bool Allowed(const std::string& dataset, const Options& o) {
  if (o.datasets.empty()) return true;
  return std::any_of(o.datasets.begin(), o.datasets.end(),
                     [&](const std::string& p) { return ::fnmatch(p.c_str(), dataset.c_str(), 0) == 0; });
}

Check NotAllowed(const std::string& what, const std::string& dataset) {
  return No(what + ": '" + dataset + "' is not among the guard's --datasets");
}

// zpull's feature probes: `zfs send -<flag> <pool>/zpull-feature-probe-nonexistent@probe`.
bool Probe(const std::string& snapshot) {
  const std::size_t slash = snapshot.find('/');
  return slash != std::string::npos && snapshot.find('/', slash + 1) == std::string::npos &&
         snapshot.substr(slash + 1) == "zpull-feature-probe-nonexistent@probe";
}

Check Send(const Argv& a, const Options& o, const HostFacts& facts) {
  if (a.size() == 4 && a[2] == "-t") {
    // A token names its dataset only inside zlib-compressed bytes.
    if (!o.datasets.empty()) return No("zfs send -t: a resume token cannot be checked against --datasets");
    return Word(a[3], "-_") ? std::nullopt : No("zfs send -t: not a resume token");
  }
  static const std::set<std::string> flags = {"-w", "-c", "-L", "-e", "-p", "-nvP", "-n", "-v", "-P"};
  std::size_t i = 2;
  while (i + 1 < a.size()) {
    if (flags.count(a[i])) {
      ++i;
    } else if ((a[i] == "-I" || a[i] == "-i") && i + 2 < a.size() && (Snapshot(a[i + 1]) || Bookmark(a[i + 1]))) {
      if (!Allowed(DatasetOf(a[i + 1]), o)) return NotAllowed("zfs send", DatasetOf(a[i + 1]));
      i += 2;
    } else {
      return No("zfs send: option '" + a[i] + "' is not one zpull uses");
    }
  }
  if (i != a.size() - 1 || !Snapshot(a[i])) return No("zfs send: the last argument must be one snapshot");
  // A probe names a dataset that does not exist; a real one of that name
  // is not exempt.
  const bool probe = Probe(a[i]) && facts.origin && !facts.origin(DatasetOf(a[i]));  // (no such dataset)
  if (!Allowed(DatasetOf(a[i]), o) && !probe) return NotAllowed("zfs send", DatasetOf(a[i]));
  return std::nullopt;
}

// A drill's scratch clone: <pool>/<prefix>…_drill_… directly below a pool.
// A scratch leaf, as zpull names them: <snapshot prefix>_drill_<16 hex>,
// where the guard's --drill-prefix begins the snapshot prefix (the default
// "zpull_" matches zpull_<host>).
bool ScratchLeaf(const std::string& leaf, const Options& o) {
  constexpr std::size_t kTail = 7 + 16;  // "_drill_" and 16 hex digits
  if (!leaf.starts_with(o.drill_prefix) || leaf.size() <= kTail) return false;
  const std::string tail = leaf.substr(leaf.size() - kTail);
  return tail.starts_with("_drill_") &&
         std::all_of(tail.begin() + 7, tail.end(), [](char c) { return std::isdigit(c) || (c >= 'a' && c <= 'f'); });
}

bool ScratchClone(const std::string& name, const Options& o) {
  const std::size_t slash = name.find('/');
  if (!Filesystem(name) || slash == std::string::npos || name.find('/', slash + 1) != std::string::npos) return false;
  return ScratchLeaf(name.substr(slash + 1), o);
}

// Only a clone of a snapshot of a dataset --datasets admits: a filesystem
// merely named like one stays.
Check ScratchCloneOfAllowed(const std::string& what, const std::string& fs, const Options& o, const HostFacts& facts) {
  const auto origin = facts.origin ? facts.origin(fs) : std::nullopt;
  if (!origin || !Snapshot(*origin)) {
    return No(what + ": '" + fs + "' is not a clone of a snapshot (origin " + origin.value_or("unknown") + ")");
  }
  return Allowed(DatasetOf(*origin), o) ? std::nullopt : NotAllowed(what, DatasetOf(*origin));
}

// `leaf` below the drill directory, where a clone's mountpoint must be.
std::string DrillMount(const Options& o, const std::string& clone) {
  const std::string dir = o.drill_dir.ends_with("/") ? o.drill_dir : o.drill_dir + "/";
  return dir + clone.substr(clone.find('/') + 1);
}

// `zfs snapshot FS@S…` (several: one point in time) or `zfs snapshot -r
// ROOT@S`, which snapshots everything below ROOT too: each dataset among
// --datasets.
Check SnapshotCommand(const Argv& a, const Options& o, const HostFacts& facts) {
  const std::size_t n = a.size();
  if (n == 4 && a[2] == "-r") {
    if (!Snapshot(a[3])) return No("zfs snapshot -r: one snapshot name");
    const std::string root = DatasetOf(a[3]);
    if (!Allowed(root, o)) return NotAllowed("zfs snapshot -r", root);
    if (o.datasets.empty()) return std::nullopt;
    const auto tree = facts.tree ? facts.tree(root) : std::nullopt;
    if (!tree) return No("zfs snapshot -r: the datasets below '" + root + "' cannot be listed");
    for (const auto& fs : *tree) {
      if (!Allowed(fs, o)) return NotAllowed("zfs snapshot -r " + a[3] + " (below it)", fs);
    }
    return std::nullopt;
  }
  if (n < 3) return No("zfs snapshot: FS@SNAPSHOT…, or -r ROOT@SNAPSHOT");
  for (std::size_t i = 2; i < n; ++i) {
    if (!Snapshot(a[i])) return No("zfs snapshot: '" + a[i] + "' is not a snapshot name");
    if (a[i].substr(a[i].find('@')) != a[2].substr(a[2].find('@'))) {
      return No("zfs snapshot: several names, but not of one snapshot ('" + a[2] + "', '" + a[i] + "')");
    }
    if (!Allowed(DatasetOf(a[i]), o)) return NotAllowed("zfs snapshot", DatasetOf(a[i]));
  }
  return std::nullopt;
}

Check Zfs(const Argv& a, const Options& o, const HostFacts& facts) {
  if (a.size() < 2) return No("zfs without a subcommand");
  const std::string& sub = a[1];
  const std::size_t n = a.size();
  if (sub == "version" && n == 2) return std::nullopt;
  if (sub == "get") return GetOrList(a, false);
  if (sub == "list") return GetOrList(a, true);
  if (sub == "snapshot") return SnapshotCommand(a, o, facts);
  if (sub == "hold" || sub == "release") {
    if (n < 4 || !Word(a[2], "_-.:")) return No("zfs " + sub + ": TAG SNAPSHOT...");
    for (std::size_t i = 3; i < n; ++i) {
      if (!Snapshot(a[i])) return No("zfs " + sub + ": '" + a[i] + "' is not a snapshot");
    }
    return std::nullopt;
  }
  if (sub == "holds") {
    std::size_t i = 2;
    while (i < n && (a[i] == "-H" || a[i] == "-Hp" || a[i] == "-p" || a[i] == "-r")) ++i;
    for (; i < n; ++i) {
      if (!Snapshot(a[i])) return No("zfs holds: '" + a[i] + "' is not a snapshot");
    }
    return std::nullopt;
  }
  if (sub == "send") return Send(a, o, facts);
  if (sub == "receive" || sub == "recv") {
    // Only the feature probes: -n reads no stream into anything.
    if (n < 4 || a[2] != "-n") return No("zfs receive: only the probe (receive -n) is allowed on a source");
    std::size_t i = 3;
    if (a[i] == "-u" || a[i] == "-s") ++i;
    else if (a[i] == "-x" && i + 1 < n && a[i + 1] == "mountpoint") i += 2;
    return i == n - 1 && Filesystem(a[i]) ? std::nullopt : No("zfs receive -n: unexpected arguments");
  }
  if (sub == "bookmark") {
    if (n == 2) return std::nullopt;  // the feature probe
    return n == 4 && Snapshot(a[2]) && Bookmark(a[3]) ? std::nullopt : No("zfs bookmark: SNAPSHOT BOOKMARK");
  }
  if (sub == "destroy") {
    if (n != 3) return No("zfs destroy: exactly one name, no options");
    // fs@a%b destroys every snapshot from @a to @b.
    if (a[2].find('%') != std::string::npos) return No("zfs destroy: '" + a[2] + "' is a range");
    if (Bookmark(a[2])) {  // zpull's bookmark moves on: <snapshot prefix>_…
      const std::string mark = a[2].substr(a[2].find('#') + 1);
      if (!o.snapshot_prefix.empty() && !mark.starts_with(o.snapshot_prefix + "_")) {
        return No("zfs destroy: '" + a[2] + "' is not one of zpull's bookmarks (" + o.snapshot_prefix + "_…)");
      }
      return Allowed(DatasetOf(a[2]), o) ? std::nullopt : NotAllowed("zfs destroy", DatasetOf(a[2]));
    }
    if (Snapshot(a[2])) {
      if (!o.destroy) return No("zfs destroy of a snapshot needs the guard's --destroy");
      if (o.snapshot_prefix.empty()) return No("zfs destroy of a snapshot needs the guard's --snapshot-prefix");
      const std::string snap = a[2].substr(a[2].find('@') + 1);
      if (!snap.starts_with(o.snapshot_prefix + "_")) {
        return No("zfs destroy: '" + a[2] + "' is not one of zpull's snapshots (" + o.snapshot_prefix + "_…)");
      }
      return Allowed(DatasetOf(a[2]), o) ? std::nullopt : NotAllowed("zfs destroy", DatasetOf(a[2]));
    }
    if (o.drills && ScratchClone(a[2], o)) return ScratchCloneOfAllowed("zfs destroy", a[2], o, facts);
    return No("zfs destroy: '" + a[2] + "' is not something zpull destroys here");
  }
  if (sub == "unmount" && n == 3 && o.drills && ScratchClone(a[2], o)) {
    return ScratchCloneOfAllowed("zfs unmount", a[2], o, facts);
  }
  if (sub == "clone") {
    if (!o.drills) return No("zfs clone needs the guard's --drills");
    // clone -o readonly=on -o setuid=off -o devices=off -o exec=off
    //   -o mountpoint=<drill dir>/<clone leaf> SNAPSHOT <pool>/<prefix>…_drill_…
    static const Argv forced = {"-o", "readonly=on", "-o", "setuid=off", "-o", "devices=off", "-o", "exec=off", "-o"};
    if (n != 14 || !std::equal(forced.begin(), forced.end(), a.begin() + 2) || !Snapshot(a[12]) ||
        !ScratchClone(a[13], o)) {
      return No("zfs clone: not the drill's clone (readonly, setuid, devices and exec off, mounted in the drill "
                "directory)");
    }
    if (a[11] != "mountpoint=" + DrillMount(o, a[13])) {
      return No("zfs clone: the mountpoint must be " + DrillMount(o, a[13]));
    }
    const auto unsafe = facts.unsafe_dir ? facts.unsafe_dir(o.drill_dir) : std::optional<std::string>("unchecked");
    if (unsafe) return No("zfs clone: " + *unsafe);
    return Allowed(DatasetOf(a[12]), o) ? std::nullopt : NotAllowed("zfs clone", DatasetOf(a[12]));
  }
  return No("zfs " + sub + " is not a command zpull sends");
}

Check Zpool(const Argv& a, const Options& o) {
  const std::size_t n = a.size();
  if (n >= 3 && a[1] == "status" && PoolName(a[n - 1])) {
    const Argv opts(a.begin() + 2, a.end() - 1);
    if (opts == Argv{"-v"} || opts == Argv{"-j", "--json-int"}) return std::nullopt;
  }
  if (n == 6 && a[1] == "list" && (a[2] == "-Hp" || a[2] == "-H") && a[3] == "-o" && a[4] == "size,allocated,free" &&
      PoolName(a[5])) {
    return std::nullopt;
  }
  if (n == 3 && a[1] == "scrub" && PoolName(a[2])) return o.scrub ? std::nullopt : No("zpool scrub needs the guard's --scrub");
  return No("zpool " + (n > 1 ? a[1] : std::string()) + ": not a command zpull sends");
}

}  // namespace

std::optional<DrillPath> DrillPathOf(const std::string& p, const Options& o) {
  if (!AbsolutePath(p)) return std::nullopt;
  auto split = [](const std::string& path, std::size_t leaf_at, bool snapshot) -> std::optional<DrillPath> {
    const std::size_t end = path.find('/', leaf_at);
    if (end == leaf_at) return std::nullopt;
    DrillPath place{path.substr(0, end), end == std::string::npos ? "" : path.substr(end + 1), snapshot};
    return place;
  };
  if (const std::size_t at = p.find("/.zfs/snapshot/"); at != std::string::npos) {
    return split(p, at + std::string("/.zfs/snapshot/").size(), true);
  }
  const std::string dir = o.drill_dir.ends_with("/") ? o.drill_dir : o.drill_dir + "/";
  if (!p.starts_with(dir)) return std::nullopt;
  auto place = split(p, dir.size(), false);
  if (!place) return std::nullopt;
  const std::string leaf = place->root.substr(dir.size());
  if (!ScratchLeaf(leaf, o)) return std::nullopt;
  return place;
}

namespace {

// The root of a drill read, checked with the kernel: a mounted ZFS
// snapshot or clone, not a directory that merely looks like one.
Check DrillRoot(const DrillPath& place, const Options& o, const HostFacts& facts, const std::string& what) {
  const auto mounted = facts.zfs_root ? facts.zfs_root(place.root, place.snapshot) : std::nullopt;
  if (!mounted) {
    return No(what + ": " + place.root + " is not a mounted ZFS " + (place.snapshot ? "snapshot" : "drill clone"));
  }
  // A snapshot of a dataset outside --datasets is not read either (a
  // clone's origin was checked when it was made).
  if (place.snapshot && !Allowed(DatasetOf(*mounted), o)) return NotAllowed(what, DatasetOf(*mounted));
  if (!place.snapshot) {
    const auto unsafe = facts.unsafe_dir ? facts.unsafe_dir(o.drill_dir) : std::optional<std::string>("unchecked");
    if (unsafe) return No(what + ": " + *unsafe);
  }
  return std::nullopt;
}

Check DrillRead(const Argv& a, const Options& o, const HostFacts& facts) {
  const std::size_t n = a.size();
  if (a[0] == "test") {
    auto place = n == 3 && a[1] == "-d" ? DrillPathOf(a[2], o) : std::nullopt;
    if (!place || !place->rel.empty()) return No("test: only test -d of a snapshot directory");
    return DrillRoot(*place, o, facts, "test");
  }
  if (a[0] == "find") {
    // find ROOT/. -xdev -type f -printf '%s %P\0' (guard 1's shape), or every
    // entry but directories with its type: ! -type d -printf '%y %s %P\0'.
    const bool v1 = n == 7 && a[2] == "-xdev" && a[3] == "-type" && a[4] == "f" && a[5] == "-printf" &&
                    a[6] == "%s %P\\0";
    const bool v2 = n == 8 && a[2] == "-xdev" && a[3] == "!" && a[4] == "-type" && a[5] == "d" && a[6] == "-printf" &&
                    a[7] == "%y %s %P\\0";
    auto place = n >= 2 && a[1].ends_with("/.") ? DrillPathOf(a[1].substr(0, a[1].size() - 2), o) : std::nullopt;
    if (!(v1 || v2) || !place || !place->rel.empty()) return No("find: not the drill's listing of a snapshot");
    return DrillRoot(*place, o, facts, "find");
  }
  if (n < 4 || a[1] != "-z" || a[2] != "--") return No("sha256sum: only sha256sum -z -- FILES");
  std::set<std::string> checked;
  for (std::size_t i = 3; i < n; ++i) {
    auto place = DrillPathOf(a[i], o);
    if (!place || place->rel.empty()) return No("sha256sum: '" + a[i] + "' is not in a snapshot or a drill clone");
    if (checked.insert(place->root).second) {
      if (auto why = DrillRoot(*place, o, facts, "sha256sum")) return why;
    }
    // Beneath the root, through no link: a regular file, or nothing is read.
    const core::FileKind kind = facts.kind ? facts.kind(place->root, place->rel) : core::FileKind::kOther;
    if (kind != core::FileKind::kRegular) {
      return No("sha256sum: '" + a[i] + "' is " +
                (kind == core::FileKind::kSymlink ? std::string("reached through a symlink")
                                                  : std::string("not a regular file (") + core::FileKindName(kind) + ")"));
    }
  }
  return std::nullopt;
}

}  // namespace

const std::vector<std::string>& ZstdScripts() {
  static const std::vector<std::string> scripts = {core::ZstdSendScript(false), core::ZstdSendScript(true)};
  return scripts;
}

std::optional<Options> ParseOptions(const std::vector<std::string>& args, std::string& error) {
  Options o;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--drills") o.drills = true;
    else if (a == "--destroy") o.destroy = true;
    else if (a == "--resolve-walk") o.resolve_walk = true;
    else if (a == "--datasets") {
      while (i + 1 < args.size() && !args[i + 1].starts_with("--")) o.datasets.push_back(args[++i]);
      if (o.datasets.empty()) {
        error = "--datasets needs at least one pattern";
        return std::nullopt;
      }
    } else if (a == "--snapshot-prefix" && i + 1 < args.size()) {
      o.snapshot_prefix = args[++i];
      if (o.snapshot_prefix.empty() || !Word(o.snapshot_prefix, "_-.:")) {
        error = "--snapshot-prefix: '" + o.snapshot_prefix + "' is not a snapshot prefix";
        return std::nullopt;
      }
    }
    else if (a == "--zstd") o.zstd = true;
    else if (a == "--scrub") o.scrub = true;
    else if ((a == "--hook" || a == "--drill-prefix" || a == "--drill-dir") && i + 1 < args.size()) {
      const std::string& v = args[++i];
      if (a != "--drill-prefix" && !AbsolutePath(v)) {
        error = a + " needs an absolute path, got '" + v + "'";
        return std::nullopt;
      }
      if (a == "--hook") o.hooks.push_back(v);
      else if (a == "--drill-dir") o.drill_dir = v;
      else o.drill_prefix = v;
    } else {
      error = "unknown option '" + a +
              "' (--drills, --destroy, --snapshot-prefix P, --datasets PATTERN..., --zstd, --scrub, --hook PATH, "
              "--drill-prefix P, --drill-dir DIR, --resolve-walk)";
      return std::nullopt;
    }
  }
  return o;
}

std::optional<Argv> ParseCommandLine(const std::string& line, std::string& error) {
  Argv out;
  std::string word;
  bool in_word = false;
  for (std::size_t i = 0; i < line.size();) {
    const char c = line[i];
    if (c == ' ') {
      if (!in_word) {
        error = "empty word at column " + std::to_string(i + 1);
        return std::nullopt;
      }
      out.push_back(word);
      word.clear();
      in_word = false;
      ++i;
    } else if (c == '\'') {
      const std::size_t end = line.find('\'', i + 1);
      if (end == std::string::npos) {
        error = "unterminated quote at column " + std::to_string(i + 1);
        return std::nullopt;
      }
      word += line.substr(i + 1, end - i - 1);
      in_word = true;
      i = end + 1;
    } else if (c == '\\' && i + 1 < line.size() && line[i + 1] == '\'') {
      word += '\'';
      in_word = true;
      i += 2;
    } else if (PlainChar(c)) {
      word += c;
      in_word = true;
      ++i;
    } else {
      error = std::string("shell syntax '") + (c == '\n' ? std::string("\\n") : std::string(1, c)) + "' at column " +
              std::to_string(i + 1) + " (zpull quotes every word)";
      return std::nullopt;
    }
  }
  if (!in_word) {
    error = line.empty() ? "no command (an interactive login)" : "trailing space";
    return std::nullopt;
  }
  out.push_back(word);
  return out;
}

std::string VersionLine() { return "zpull-guard " + std::to_string(kVersion); }

std::optional<std::string> Refusal(const Argv& in, const Options& o, const HostFacts& facts) {
  if (in.empty()) return No("no command");
  Argv a = in;
  // Wrappers zpull puts around zfs send: env (zfs-fuse) and the zstd pipeline.
  if (a.size() > 2 && a[0] == "env" && a[1] == "--ignore-signal=PIPE") {
    a.erase(a.begin(), a.begin() + 2);
    if (a.size() < 2 || a[0] != "zfs" || a[1] != "send") return No("env: only around zfs send");
  } else if (a.size() > 4 && a[0] == "sh" && a[1] == "-c" && a[3] == "sh") {
    if (!o.zstd) return No("the compress: zstd pipeline needs the guard's --zstd");
    const auto& scripts = ZstdScripts();
    if (std::find(scripts.begin(), scripts.end(), a[2]) == scripts.end()) return No("sh -c: not zpull's zstd pipeline");
    a.erase(a.begin(), a.begin() + 4);
    if (a.size() < 2 || a[0] != "zfs" || a[1] != "send") return No("the zstd pipeline: only around zfs send");
  }
  if (a[0] == "zfs") return Zfs(a, o, facts);
  if (a[0] == "zpool") return Zpool(a, o);
  if (a[0] == "find" || a[0] == "sha256sum" || a[0] == "test") {
    return o.drills ? DrillRead(a, o, facts) : No(a[0] + " is for restore drills: the guard's --drills");
  }
  if (std::find(o.hooks.begin(), o.hooks.end(), a[0]) != o.hooks.end()) return std::nullopt;
  return No("'" + a[0] + "' is not a program zpull runs");
}

}  // namespace zpull::guard
