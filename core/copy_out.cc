#include "core/copy_out.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>

namespace zpull::core {
namespace {

constexpr std::size_t kBlock = 1 << 20;

// Owns one descriptor.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Fd& operator=(Fd&& o) noexcept {
    std::swap(fd_, o.fd_);
    return *this;
  }
  int get() const { return fd_; }
  bool ok() const { return fd_ >= 0; }

 private:
  int fd_;
};

std::string TempName(const std::string& name) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  std::ostringstream s;
  s << "." << name.substr(0, 200) << ".zpull-restore-" << std::hex << rng();
  return s.str();
}

class Copier {
 public:
  Copier(dev_t dev, const std::string& into, const CopyOptions& o, CopyReport& r)
      : dev_(dev), into_(into), options_(o), report_(r) {}

  // Copies entry `name` of source directory `src_dir` into target
  // directory `dst_dir` under the same name; `rel` is its path below
  // into_dir, for messages and the report.
  Status Entry(int src_dir, int dst_dir, const std::string& name, const std::string& rel, int depth) {
    if (Cancelled()) return Stopped();
    struct stat st {};
    if (::fstatat(src_dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return Errno("cannot read", rel);
    const FileKind kind = FileKindOfMode(st.st_mode);
    if (kind != FileKind::kSymlink && st.st_dev != dev_) return Refuse(rel, kind, "on another mount");
    switch (kind) {
      case FileKind::kRegular: return File(src_dir, dst_dir, name, rel, st);
      case FileKind::kSymlink: return Link(src_dir, dst_dir, name, rel, st);
      case FileKind::kDirectory:
        if (depth >= options_.max_depth) return Refuse(rel, kind, "deeper than " + std::to_string(options_.max_depth));
        return Directory(src_dir, dst_dir, name, rel, st, depth);
      default: return Refuse(rel, kind, "");
    }
  }

 private:
  bool Cancelled() const { return options_.cancel && options_.cancel->load(); }
  Status Stopped() const { return Fail(Reason::kShutdown, "interrupted: the copy stopped before its end"); }
  Status Errno(const std::string& what, const std::string& rel, int err = errno) const {
    return Fail(Reason::kOther, what + " " + into_ + "/" + rel + ": " + std::strerror(err));
  }
  Status Refuse(const std::string& rel, FileKind kind, const std::string& why) {
    report_.entries.push_back(CopiedEntry{rel, kind, 0, false, true, why});
    ++report_.refused;
    return {};
  }
  void Record(const std::string& rel, FileKind kind, std::uint64_t size, const struct stat& st) {
    const mode_t dropped_bits = kind == FileKind::kDirectory ? 06000 : 07000;
    const bool dropped = (st.st_mode & dropped_bits) != 0 && kind != FileKind::kSymlink;
    report_.entries.push_back({rel, kind, size, dropped, false});
    report_.setid_dropped += dropped ? 1 : 0;
    if (kind == FileKind::kRegular) ++report_.files;
    if (kind == FileKind::kDirectory) ++report_.directories;
    if (kind == FileKind::kSymlink) ++report_.symlinks;
  }

  // Renames the finished `tmp` to `name`: never over anything without
  // --overwrite, never over a directory.
  Status Place(int dst_dir, const std::string& tmp, const std::string& name, const std::string& rel) {
    const unsigned flags = options_.overwrite ? 0 : RENAME_NOREPLACE;
    if (::renameat2(dst_dir, tmp.c_str(), dst_dir, name.c_str(), flags) == 0) return {};
    const int err = errno;
    ::unlinkat(dst_dir, tmp.c_str(), 0);
    if (err == EEXIST) return Fail(Reason::kConfig, into_ + "/" + rel + " exists (--overwrite replaces it)");
    if (err == EISDIR || err == ENOTEMPTY) return Fail(Reason::kConfig, into_ + "/" + rel + " is a directory");
    return Errno("cannot create", rel, err);
  }

  Status File(int src_dir, int dst_dir, const std::string& name, const std::string& rel, const struct stat& seen) {
    // A file with several names is copied once; its other names become
    // hard links to the copy (a tree of 10,000 links to one big file
    // must not fill this host).
    if (seen.st_nlink > 1) {
      if (auto first = linked_.find(seen.st_ino); first != linked_.end()) {
        const std::string tmp = TempName(name);
        if (::linkat(AT_FDCWD, first->second.c_str(), dst_dir, tmp.c_str(), 0) == 0) {
          if (auto s = Place(dst_dir, tmp, name, rel); !s) return s;
          Record(rel, FileKind::kRegular, 0, seen);
          return {};
        }
      }
    }
    Fd in(::openat(src_dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    if (!in.ok()) return Errno("cannot open", rel);
    struct stat st {};
    if (::fstat(in.get(), &st) != 0) return Errno("cannot read", rel);
    if (!S_ISREG(st.st_mode) || st.st_ino != seen.st_ino || st.st_dev != seen.st_dev) {
      return Fail(Reason::kOther, into_ + "/" + rel + ": changed while it was copied");
    }
    const std::string tmp = TempName(name);
    Fd out(::openat(dst_dir, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!out.ok()) return Errno("cannot create", rel);
    auto failed = [&](Status s) {
      ::unlinkat(dst_dir, tmp.c_str(), 0);
      return s;
    };
    std::unique_ptr<char[]> buf(new char[kBlock]);
    std::uint64_t copied = 0;
    for (;;) {
      if (Cancelled()) return failed(Stopped());
      const ssize_t n = ::read(in.get(), buf.get(), kBlock);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return failed(Errno("cannot read", rel));
      if (n == 0) break;
      for (ssize_t done = 0; done < n;) {
        const ssize_t w = ::write(out.get(), buf.get() + done, static_cast<std::size_t>(n - done));
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return failed(Errno("cannot write", rel));
        done += w;
      }
      copied += static_cast<std::uint64_t>(n);
    }
    const struct timespec times[2] = {st.st_atim, st.st_mtim};
    if (::fchmod(out.get(), st.st_mode & 0777) != 0 || ::futimens(out.get(), times) != 0 || ::fsync(out.get()) != 0) {
      return failed(Errno("cannot finish", rel));
    }
    out = Fd();
    if (Cancelled()) return failed(Stopped());
    if (auto s = Place(dst_dir, tmp, name, rel); !s) return s;
    Record(rel, FileKind::kRegular, copied, st);
    report_.bytes += copied;
    if (st.st_nlink > 1) linked_.emplace(st.st_ino, into_ + "/" + rel);
    return {};
  }

  Status Link(int src_dir, int dst_dir, const std::string& name, const std::string& rel, const struct stat& st) {
    char target[4096];
    const ssize_t n = ::readlinkat(src_dir, name.c_str(), target, sizeof target);
    if (n < 0) return Errno("cannot read the link", rel);
    if (static_cast<std::size_t>(n) >= sizeof target) return Fail(Reason::kOther, into_ + "/" + rel + ": link target too long");
    const std::string to(target, static_cast<std::size_t>(n));
    const std::string tmp = TempName(name);
    if (::symlinkat(to.c_str(), dst_dir, tmp.c_str()) != 0) return Errno("cannot create", rel);
    const struct timespec times[2] = {st.st_atim, st.st_mtim};
    ::utimensat(dst_dir, tmp.c_str(), times, AT_SYMLINK_NOFOLLOW);  // best effort: some file systems refuse
    if (auto s = Place(dst_dir, tmp, name, rel); !s) return s;
    Record(rel, FileKind::kSymlink, to.size(), st);
    return {};
  }

  Status Directory(int src_dir, int dst_dir, const std::string& name, const std::string& rel, const struct stat& seen,
                   int depth) {
    Fd src(::openat(src_dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!src.ok()) return Errno("cannot open", rel);
    struct stat st {};
    if (::fstat(src.get(), &st) != 0 || st.st_ino != seen.st_ino || st.st_dev != dev_) {
      return Fail(Reason::kOther, into_ + "/" + rel + ": changed while it was copied");
    }
    // Made private until its contents are in; an existing one is merged
    // with --overwrite (O_NOFOLLOW: never a symlink of the target's) and
    // keeps its own mode and times.
    bool made = true;
    if (::mkdirat(dst_dir, name.c_str(), 0700) != 0) {
      if (errno != EEXIST) return Errno("cannot create", rel);
      if (!options_.overwrite) return Fail(Reason::kConfig, into_ + "/" + rel + " exists (--overwrite merges into it)");
      made = false;
    }
    Fd dst(::openat(dst_dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dst.ok()) {
      if (errno == ENOTDIR || errno == ELOOP) return Fail(Reason::kConfig, into_ + "/" + rel + " exists and is not a directory");
      return Errno("cannot open", rel);
    }
    std::vector<std::string> names;
    {
      DIR* d = ::fdopendir(::dup(src.get()));
      if (!d) return Errno("cannot list", rel);
      errno = 0;
      while (struct dirent* e = ::readdir(d)) {
        const std::string n = e->d_name;
        if (n == "." || n == "..") continue;
        // A name with '/' would be a path on both sides (a kernel hands
        // none out today; a crafted stream must not make one count).
        if (n.empty() || n.find('/') != std::string::npos) {
          ::closedir(d);
          return Fail(Reason::kOther, into_ + "/" + rel + ": an entry's name is not a file name");
        }
        names.push_back(n);
      }
      const int err = errno;
      ::closedir(d);
      if (err != 0) return Errno("cannot list", rel, err);
    }
    for (const auto& n : names) {
      if (auto s = Entry(src.get(), dst.get(), n, rel + "/" + n, depth + 1); !s) return s;
    }
    // The sticky bit stays on a directory (without it a world-writable
    // one would be open to every local user's renames); never setgid.
    const struct timespec times[2] = {st.st_atim, st.st_mtim};
    if (made && (::fchmod(dst.get(), st.st_mode & 01777) != 0 || ::futimens(dst.get(), times) != 0)) {
      return Errno("cannot finish", rel);
    }
    Record(rel, FileKind::kDirectory, 0, st);
    return {};
  }

  const dev_t dev_;
  const std::string into_;
  std::map<ino_t, std::string> linked_;  // the copy of each multiply linked file, by the source's inode
  const CopyOptions& options_;
  CopyReport& report_;
};

}  // namespace

std::optional<std::string> NormalizeBeneathPath(const std::string& user_path) {
  std::string out;
  std::size_t i = 0;
  while (i <= user_path.size()) {
    const std::size_t slash = std::min(user_path.find('/', i), user_path.size());
    const std::string part = user_path.substr(i, slash - i);
    i = slash + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") return std::nullopt;
    out += (out.empty() ? "" : "/") + part;
  }
  if (out.empty() || !PlainRelativePath(out)) return std::nullopt;
  return out;
}

Result<CopyReport> CopyOut(int root_fd, const std::string& path, const std::string& into_dir,
                           const CopyOptions& options, CopyReport* partial) {
  CopyReport report;
  auto give = [&](Status s) -> Result<CopyReport> {
    if (partial) *partial = report;
    return tl::unexpected(s.error());
  };
  if (!PlainRelativePath(path)) return give(Fail(Reason::kConfig, "'" + path + "' is not a path beneath the snapshot's root"));
  struct stat root {};
  if (::fstat(root_fd, &root) != 0) return give(Fail(Reason::kOther, std::string("cannot read the clone: ") + std::strerror(errno)));
  const std::size_t slash = path.rfind('/');
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  Fd parent(slash == std::string::npos ? ::dup(root_fd)
                                       : OpenBeneath(root_fd, path.substr(0, slash), O_PATH | O_DIRECTORY));
  if (!parent.ok()) {
    if (errno == ENOENT) return give(Fail(Reason::kConfig, path + ": no such file or directory in the snapshot"));
    if (errno == ELOOP || errno == EXDEV || errno == ENOTDIR) {
      return give(Fail(Reason::kConfig, path + ": a component is a symlink, a file or another mount in the snapshot"));
    }
    return give(Fail(Reason::kOther, path + ": " + std::strerror(errno)));
  }
  struct stat st {};
  if (::fstatat(parent.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return give(Fail(Reason::kConfig, path + ": no such file or directory in the snapshot"));
    return give(Fail(Reason::kOther, path + ": " + std::strerror(errno)));
  }
  const FileKind kind = FileKindOfMode(st.st_mode);
  if (kind == FileKind::kFifo || kind == FileKind::kDevice || kind == FileKind::kSocket || kind == FileKind::kOther) {
    return give(Fail(Reason::kConfig, path + " is a " + FileKindName(kind) + ": only files, directories and symlinks are restored"));
  }
  Fd into(::open(into_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!into.ok()) return give(Fail(Reason::kConfig, "--into " + into_dir + ": " + std::strerror(errno)));
  struct stat there {};
  if (!options.overwrite && ::fstatat(into.get(), name.c_str(), &there, AT_SYMLINK_NOFOLLOW) == 0) {
    return give(Fail(Reason::kConfig, into_dir + "/" + name + " exists (--overwrite replaces it)"));
  }
  Copier copier(root.st_dev, into_dir, options, report);
  if (auto s = copier.Entry(parent.get(), into.get(), name, name, 0); !s) return give(s);
  if (partial) *partial = report;
  return report;
}

}  // namespace zpull::core
