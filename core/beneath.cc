#include "core/beneath.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

namespace zpull::core {
namespace {

int Openat2(int dirfd, const std::string& path, int flags) {
#ifdef SYS_openat2
  open_how how{};
  how.flags = static_cast<unsigned long long>(flags);
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
  return static_cast<int>(::syscall(SYS_openat2, dirfd, path.c_str(), &how, sizeof how));
#else
  errno = ENOSYS;
  return -1;
#endif
}

// The walk: every directory component opened with O_NOFOLLOW|O_DIRECTORY
// from the one before, the last with O_NOFOLLOW and `flags`; none on
// another mount than the root (as RESOLVE_NO_XDEV).
int Walk(int root_fd, std::string_view path, int flags) {
  struct stat root {};
  if (::fstat(root_fd, &root) != 0) return -1;
  int dir = ::fcntl(root_fd, F_DUPFD_CLOEXEC, 0);
  if (dir < 0) return -1;
  while (true) {
    const std::size_t slash = path.find('/');
    const std::string name(path.substr(0, slash));
    const bool last = slash == std::string_view::npos;
    const int fd = last ? ::openat(dir, name.c_str(), flags)
                        : ::openat(dir, name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    const int err = errno;
    ::close(dir);
    if (fd < 0) {
      // A symlink as a directory component fails ENOTDIR with O_NOFOLLOW|O_DIRECTORY.
      errno = err == ENOTDIR && !last ? ELOOP : err;
      return -1;
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || st.st_dev != root.st_dev) {
      ::close(fd);
      errno = EXDEV;
      return -1;
    }
    if (last) return fd;
    dir = fd;
    path = path.substr(slash + 1);
  }
}

}  // namespace

const char* FileKindName(FileKind kind) {
  switch (kind) {
    case FileKind::kRegular: return "regular file";
    case FileKind::kDirectory: return "directory";
    case FileKind::kSymlink: return "symlink";
    case FileKind::kFifo: return "FIFO";
    case FileKind::kDevice: return "device";
    case FileKind::kSocket: return "socket";
    case FileKind::kMissing: return "missing";
    case FileKind::kOther: return "other";
  }
  return "other";
}

bool PlainRelativePath(std::string_view path) {
  if (path.empty() || path.front() == '/' || path.find('\0') != std::string_view::npos) return false;
  while (true) {
    const std::size_t slash = path.find('/');
    const std::string_view c = path.substr(0, slash);
    if (c.empty() || c == "." || c == "..") return false;
    if (slash == std::string_view::npos) return true;
    path = path.substr(slash + 1);
  }
}

int OpenBeneath(int root_fd, std::string_view path, int flags, BeneathMode mode) {
  if (!PlainRelativePath(path)) {
    errno = EINVAL;
    return -1;
  }
  flags |= O_CLOEXEC | O_NOFOLLOW;
  if (mode == BeneathMode::kAuto) {
    const int fd = Openat2(root_fd, std::string(path), flags);
    if (fd >= 0 || (errno != ENOSYS && errno != EPERM)) return fd;  // EPERM: a seccomp filter
  }
  return Walk(root_fd, path, flags);
}

FileKind KindBeneath(int root_fd, std::string_view path, BeneathMode mode) {
  // O_PATH opens nothing for reading: a FIFO does not block, a device is not touched.
  const int fd = OpenBeneath(root_fd, path, O_PATH, mode);
  if (fd < 0) {
    if (errno == ENOENT) return FileKind::kMissing;
    if (errno == EXDEV) return FileKind::kOther;  // on another mount
    return errno == ELOOP ? FileKind::kSymlink : FileKind::kOther;
  }
  struct stat st {};
  const int rc = ::fstat(fd, &st);
  ::close(fd);
  if (rc != 0) return FileKind::kOther;
  return FileKindOfMode(st.st_mode);  // a symlink: O_PATH|O_NOFOLLOW on the last component
}

FileKind FileKindOfMode(unsigned mode) {
  if (S_ISREG(mode)) return FileKind::kRegular;
  if (S_ISDIR(mode)) return FileKind::kDirectory;
  if (S_ISLNK(mode)) return FileKind::kSymlink;
  if (S_ISFIFO(mode)) return FileKind::kFifo;
  if (S_ISCHR(mode) || S_ISBLK(mode)) return FileKind::kDevice;
  if (S_ISSOCK(mode)) return FileKind::kSocket;
  return FileKind::kOther;
}

std::optional<std::string> UnsafeDirectory(const std::string& dir, bool create) {
  if (dir.empty() || dir[0] != '/') return "drill directory " + dir + " is not an absolute path";
  // The ancestors, from / down: a writable one lets someone swap what follows.
  for (std::size_t at = dir.find('/', 1); at != std::string::npos; at = dir.find('/', at + 1)) {
    const std::string up = dir.substr(0, at);
    struct stat st {};
    if (::lstat(up.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != 0 ||
        ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 && (st.st_mode & S_ISVTX) == 0)) {
      return "drill directory " + dir + ": " + up +
             " must be a directory owned by root, writable by nobody else unless sticky";
    }
  }
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) {
    if (errno != ENOENT || !create) return "drill directory " + dir + " does not exist";
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return "drill directory " + dir + ": cannot create it";
    (void)::chmod(dir.c_str(), 0755);
    if (::lstat(dir.c_str(), &st) != 0) return "drill directory " + dir + " does not exist";
  }
  if (!S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return "drill directory " + dir + " must be a directory owned by root and writable by nobody else (it is " +
           (S_ISDIR(st.st_mode) ? "" : "not a directory, ") + "owned by uid " + std::to_string(st.st_uid) +
           ", mode " + mode + ")";
  }
  return std::nullopt;
}

}  // namespace zpull::core
