#pragma once
// Copying a file or a directory tree out of a tree someone else made (a
// read-only clone of a source's snapshot) into a directory of this host.
// Nothing is followed out of the tree and nothing that could run or reach
// a device is made: the tree's names and contents are a source's, and the
// source is untrusted.

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "core/beneath.h"
#include "core/result.h"

namespace zpull::core {

struct CopyOptions {
  bool overwrite = false;                     // replace what is at the target
  const std::atomic<bool>* cancel = nullptr;  // polled between blocks: set, the copy stops
  int max_depth = 256;                        // deeper directories are refused (and counted)
};

struct CopiedEntry {
  std::string path;  // below into_dir: "name", "name/sub/file"
  FileKind kind = FileKind::kOther;
  std::uint64_t size = 0;      // bytes copied (a symlink: its target's length)
  bool setid_dropped = false;  // it had setuid, setgid or sticky bits: copied without
  bool refused = false;        // a FIFO, device, socket or a directory too deep: not copied
  std::string why;             // refused: why, when not its kind
};

struct CopyReport {
  std::vector<CopiedEntry> entries;  // in the order copied; directories after their contents
  std::uint64_t bytes = 0;
  std::size_t files = 0, directories = 0, symlinks = 0, refused = 0, setid_dropped = 0;
};

// Copies `path` (a PlainRelativePath beneath `root_fd`, reached through no
// symlink and on the root's own mount) to `into_dir`/<its last component>:
// - a regular file with its permission bits (never setuid, setgid or
//   sticky) and its access and modification times, written beside the
//   target and renamed into place, so a target is never half written;
//   the other names of a file with several (hard links) are linked to
//   its copy, not copied again;
// - a symlink as a symlink: its target is copied as text, never followed;
// - a directory with all of the above beneath it, staying on its mount,
//   with its permission bits and sticky bit (never setgid) once filled; one
//   that exists (--overwrite) keeps its own;
//   its FIFOs, devices and sockets are not copied and listed as refused;
// - a FIFO, device or socket at `path` itself fails (reason config).
// What is copied belongs to the running user. An existing target fails
// (reason config, naming it) unless `overwrite`: then files and symlinks
// are replaced and directories merged (never through a symlink of the
// target's). A missing `path` fails with reason config; an error of the
// file system with reason other, naming the file and errno; cancelled,
// reason shutdown. On failure what was copied so far stays (never a
// half-written file) and `partial` tells what.
Result<CopyReport> CopyOut(int root_fd, const std::string& path, const std::string& into_dir,
                           const CopyOptions& options, CopyReport* partial = nullptr);

// "home/alice/x" from "/home/alice/x/", "./home//alice/x": the relative
// path beneath a dataset's root a user means; nullopt for one with a ".."
// component or none at all.
std::optional<std::string> NormalizeBeneathPath(const std::string& user_path);

}  // namespace zpull::core
