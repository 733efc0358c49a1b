// The guard's facts of this host (guard.h, HostFacts) and the drill reads it
// does itself: the kernel's mount table and statfs, core/beneath, and
// `zfs get origin`. Effects only; the decisions stay in guard.cc.

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "core/sha256.h"
#include "guard/guard.h"

namespace zpull::guard {
namespace {

constexpr long kZfsMagic = 0x2fc12fc1;   // OpenZFS
constexpr long kFuseMagic = 0x65735546;  // zfs-fuse mounts through FUSE

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string Unescape(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto octal = [&](std::size_t k) { return k < s.size() && s[k] >= '0' && s[k] <= '7'; };
    if (s[i] == '\\' && octal(i + 1) && octal(i + 2) && octal(i + 3)) {
      out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

struct Mount {
  std::string root, point, type, source, options;
};

// The mount with id `id` (/proc/self/mountinfo).
std::optional<Mount> MountWithId(const std::string& id) {
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string mount_id, parent, dev;
    Mount m;
    f >> mount_id >> parent >> dev >> m.root >> m.point;
    if (mount_id != id) continue;
    std::string w;
    while (f >> w && w != "-") {
    }
    f >> m.type >> m.source >> m.options;
    m.root = Unescape(m.root);
    m.point = Unescape(m.point);
    m.source = Unescape(m.source);
    return m;
  }
  return std::nullopt;
}

// The mount id of an open descriptor (/proc/self/fdinfo).
std::string MountIdOf(int fd) {
  std::ifstream in("/proc/self/fdinfo/" + std::to_string(fd));
  std::string key, value;
  while (in >> key >> value) {
    if (key == "mnt_id:") return value;
  }
  return "";
}

// `fd` (a directory opened at `dir`) is the root of a mounted ZFS snapshot
// (`snapshot`) or filesystem: checked through the descriptor, so a mount
// swapped under the path afterwards does not change what is read through it.
std::optional<std::string> ZfsRootOf(int fd, const std::string& dir, bool snapshot) {
  struct statfs fs {};
  if (::fstatfs(fd, &fs) != 0) return std::nullopt;
  if (fs.f_type != kZfsMagic && fs.f_type != kFuseMagic) return std::nullopt;
  auto m = MountWithId(MountIdOf(fd));
  // The whole mount at exactly this path, not a bind mount of a part of it.
  if (!m || m->point != dir || m->root != "/") return std::nullopt;
  // OpenZFS: type zfs. zfs-fuse: fuse.zfs, mounted by root (a user's FUSE
  // mount can claim any subtype and name, not user_id=0).
  const bool root_fuse = ("," + m->options + ",").find(",user_id=0,") != std::string::npos;
  const bool zfs = (m->type == "zfs" && fs.f_type == kZfsMagic) ||
                   (m->type == "fuse.zfs" && fs.f_type == kFuseMagic && root_fuse);
  if (!zfs || m->source.empty() || m->source[0] == '/') return std::nullopt;
  if (snapshot != (m->source.find('@') != std::string::npos)) return std::nullopt;
  // A clone is mounted at <drill dir>/<leaf> as <pool>/<leaf>.
  if (!snapshot && !m->source.ends_with("/" + dir.substr(dir.rfind('/') + 1))) return std::nullopt;
  return m->source;
}

int OpenDir(const std::string& dir) {
  // (A snapshot's automount happens on the path walk.)
  return ::open(dir.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

std::optional<std::string> ZfsRoot(const std::string& dir, bool snapshot) {
  const int fd = OpenDir(dir);
  if (fd < 0) return std::nullopt;
  auto source = ZfsRootOf(fd, dir, snapshot);
  ::close(fd);
  return source;
}

core::FileKind Kind(const std::string& root, const std::string& rel, bool walk) {
  const int fd = OpenDir(root);
  if (fd < 0) return core::FileKind::kMissing;
  const auto kind = core::KindBeneath(fd, rel, walk ? core::BeneathMode::kWalk : core::BeneathMode::kAuto);
  ::close(fd);
  return kind;
}

// What `zfs ARGS…` (run without a shell) prints, at most `limit` bytes;
// nullopt if it fails or prints more.
std::optional<std::string> ZfsOutput(std::vector<std::string> args, std::size_t limit) {
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) return std::nullopt;
  std::vector<char*> argv;
  args.insert(args.begin(), "zfs");
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) return std::nullopt;
  if (pid == 0) {
    ::dup2(pipefd[1], 1);
    ::execvp("zfs", argv.data());
    ::_exit(127);
  }
  ::close(pipefd[1]);
  std::string out;
  char buf[4096];
  ssize_t n;
  bool over = false;
  while ((n = ::read(pipefd[0], buf, sizeof buf)) > 0) {
    if (out.size() + static_cast<std::size_t>(n) > limit) over = true;
    if (!over) out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(pipefd[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (over || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  return out;
}

// `zfs get -H -o value origin FS`.
std::optional<std::string> Origin(const std::string& fs) {
  auto out = ZfsOutput({"get", "-H", "-o", "value", "origin", fs}, 4096);
  if (!out) return std::nullopt;
  while (!out->empty() && (out->back() == '\n' || out->back() == '\r')) out->pop_back();
  return out;
}

// `zfs list -H -o name -r -t filesystem,volume ROOT`, one name a line.
std::optional<std::vector<std::string>> Tree(const std::string& root) {
  auto out = ZfsOutput({"list", "-H", "-o", "name", "-r", "-t", "filesystem,volume", root}, std::size_t{64} << 20);
  if (!out) return std::nullopt;
  std::vector<std::string> names;
  std::istringstream lines(*out);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) names.push_back(line);
  }
  return names;
}

}  // namespace

HostFacts RealHostFacts(const Options& options) {
  const bool walk = options.resolve_walk;
  return {Origin, ZfsRoot, [walk](const std::string& root, const std::string& rel) { return Kind(root, rel, walk); },
          [](const std::string& dir) { return core::UnsafeDirectory(dir, /*create=*/true); }, Tree};
}

int HashDrillFiles(const Argv& argv, const Options& options) {
  const auto mode = options.resolve_walk ? core::BeneathMode::kWalk : core::BeneathMode::kAuto;
  std::map<std::string, std::pair<int, dev_t>> roots;  // path -> (descriptor, device)
  int status = 0;
  auto fail = [&](const std::string& path, const std::string& why) {
    std::cerr << "sha256sum: " << path << ": " << why << "\n";
    status = 1;
  };
  for (std::size_t i = 3; i < argv.size(); ++i) {
    const std::string& path = argv[i];
    auto where = DrillPathOf(path, options);
    if (!where || where->rel.empty()) {
      fail(path, "not in a snapshot or a drill clone");
      continue;
    }
    auto root = roots.find(where->root);
    if (root == roots.end()) {
      const int fd = OpenDir(where->root);
      struct stat st {};
      if (fd < 0 || ::fstat(fd, &st) != 0 || !ZfsRootOf(fd, where->root, where->snapshot)) {
        if (fd >= 0) ::close(fd);
        fail(path, "not in a mounted ZFS snapshot or drill clone");
        continue;
      }
      root = roots.emplace(where->root, std::make_pair(fd, st.st_dev)).first;
    }
    // O_NONBLOCK: a FIFO put in place after the check does not block the open.
    const int fd = core::OpenBeneath(root->second.first, where->rel, O_RDONLY | O_NONBLOCK, mode);
    if (fd < 0) {
      fail(path, std::strerror(errno));
      continue;
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_dev != root->second.second) {
      ::close(fd);
      fail(path, "not a regular file of the snapshot");
      continue;
    }
    const core::FileHash hash = core::HashDescriptor(fd);
    ::close(fd);
    if (hash.error) {
      fail(path, std::strerror(hash.error));
      continue;
    }
    std::cout << hash.hex << "  " << path << '\0';
  }
  std::cout.flush();
  for (const auto& [path, fd] : roots) ::close(fd.first);
  return status;
}

}  // namespace zpull::guard
