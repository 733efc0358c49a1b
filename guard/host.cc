// The guard's facts of this host (guard.h, HostFacts): the kernel's mount
// table and statfs, core/beneath, and `zfs get origin`. Effects only; the
// decisions stay in guard.cc.

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

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
      out += static_cast<char>(std::stoi(s.substr(i + 1, 3), nullptr, 8));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

// The filesystem type and source of the mount at exactly `dir`.
std::optional<std::pair<std::string, std::string>> MountAt(const std::string& dir) {
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  std::optional<std::pair<std::string, std::string>> found;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string id, parent, dev, root, point;
    f >> id >> parent >> dev >> root >> point;
    std::string w;
    while (f >> w && w != "-") {
    }
    std::string type, source;
    f >> type >> source;
    if (Unescape(point) == dir) found = std::make_pair(type, Unescape(source));  // the last mount wins
  }
  return found;
}

bool ZfsRoot(const std::string& dir, bool snapshot) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return false;  // (triggers a snapshot automount)
  struct statfs fs {};
  if (::statfs(dir.c_str(), &fs) != 0) return false;
  if (fs.f_type != kZfsMagic && fs.f_type != kFuseMagic) return false;
  auto mount = MountAt(dir);
  if (!mount) return false;
  const auto& [type, source] = *mount;
  // OpenZFS: type zfs; zfs-fuse: fuse.zfs (FUSE's magic). The source is the dataset.
  const bool zfs = (type == "zfs" && fs.f_type == kZfsMagic) ||
                   (type == "fuse.zfs" && fs.f_type == kFuseMagic && !source.empty() && source[0] != '/');
  if (!zfs) return false;
  return snapshot == (source.find('@') != std::string::npos);
}

core::FileKind Kind(const std::string& root, const std::string& rel, bool walk) {
  const int fd = ::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return core::FileKind::kMissing;
  const auto kind = core::KindBeneath(fd, rel, walk ? core::BeneathMode::kWalk : core::BeneathMode::kAuto);
  ::close(fd);
  return kind;
}

// `zfs get -H -o value origin FS`, run without a shell.
std::optional<std::string> Origin(const std::string& fs) {
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) return std::nullopt;
  const pid_t pid = ::fork();
  if (pid < 0) return std::nullopt;
  if (pid == 0) {
    ::dup2(pipefd[1], 1);
    const char* argv[] = {"zfs", "get", "-H", "-o", "value", "origin", fs.c_str(), nullptr};
    ::execvp("zfs", const_cast<char**>(argv));
    ::_exit(127);
  }
  ::close(pipefd[1]);
  std::string out;
  char buf[512];
  ssize_t n;
  while ((n = ::read(pipefd[0], buf, sizeof buf)) > 0 && out.size() < 4096) out.append(buf, static_cast<std::size_t>(n));
  ::close(pipefd[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

}  // namespace

HostFacts RealHostFacts(const Options& options) {
  const bool walk = options.resolve_walk;
  return {Origin, ZfsRoot, [walk](const std::string& root, const std::string& rel) { return Kind(root, rel, walk); }};
}

}  // namespace zpull::guard
