#pragma once
// Opening a file beneath a directory and never outside it: no symlink is
// followed and no ".." component is accepted, so a tree made by someone
// else (a source's snapshot, a replica of it) cannot point a reader at
// /etc. Used by the guard before it lets a drill read on a source, and by
// drills on this host. The trees read are snapshots and read-only clones:
// what is checked cannot change before it is read.
//
// openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |
// RESOLVE_NO_XDEV)
// where the kernel has it (Linux 5.6; called through syscall(): glibc 2.36
// has no wrapper), else a walk that opens each component with O_NOFOLLOW.
// No dependency beyond libc: the static guard links it.

#include <optional>
#include <string>
#include <string_view>

namespace zpull::core {

enum class BeneathMode {
  kAuto,  // openat2 where the kernel has it, else the walk
  kWalk,  // always the walk (tests: every test kernel has openat2)
};

// What a path beneath a root is.
enum class FileKind { kRegular, kDirectory, kSymlink, kFifo, kDevice, kSocket, kMissing, kOther };
const char* FileKindName(FileKind kind);
// The kind of a stat's st_mode (never kMissing). Pure.
FileKind FileKindOfMode(unsigned mode);

// A relative path whose components are plain names: not empty, not
// absolute, no "", "." or ".." component, no NUL. Pure.
bool PlainRelativePath(std::string_view path);

// Opens `path` beneath the directory `root_fd`, on the root's own mount,
// with `flags` (O_CLOEXEC and O_NOFOLLOW are added). Returns a descriptor,
// or -1 with errno set (ELOOP for a symlink, EXDEV for another mount or an
// escape, EINVAL for a path that is not PlainRelativePath).
int OpenBeneath(int root_fd, std::string_view path, int flags, BeneathMode mode = BeneathMode::kAuto);

// What `path` beneath `root_fd` is, without following a symlink at any
// component and without opening a FIFO or a device for reading; kMissing
// when a component does not exist, kSymlink when any component is one.
FileKind KindBeneath(int root_fd, std::string_view path, BeneathMode mode = BeneathMode::kAuto);

// Why `dir` is not a safe place to mount another host's content (a drill
// clone): it, or an ancestor, is not a directory owned by root (a symlink
// included), or `dir` is writable by group or others, or an ancestor is
// without the sticky bit; nullopt when safe. With `create`, a missing `dir`
// is made (0755) under safe ancestors.
std::optional<std::string> UnsafeDirectory(const std::string& dir, bool create = false);

}  // namespace zpull::core
