#pragma once
// `zpull restore --file PATH [--into DIR] [--overwrite] DESTINATION[@SNAPSHOT]`,
// `--list PATH DESTINATION[@SNAPSHOT]` and `--versions PATH DESTINATION`:
// one file or directory back from a point in time, on this host. The
// backup's snapshot is cloned read-only with the drill clones' hardening
// (setuid, devices and exec off; a name nobody can guess; under the
// root-owned drill directory), read through core/copy_out.h, and the
// clone destroyed whatever happens, SIGINT and SIGTERM included.

#include <atomic>
#include <ostream>
#include <string>

#include "config/config.h"
#include "core/result.h"
#include "core/zfs.h"

namespace zpull::cli {

struct FileRestoreRequest {
  enum class Mode { kCopy, kList, kVersions } mode = Mode::kCopy;
  core::DatasetName dataset;
  std::string snapshot;  // empty: the newest (kCopy, kList)
  std::string path;      // beneath the dataset's root; empty: the root (kList)
  std::string into = ".";
  bool overwrite = false;
};

// DESTINATION[@SNAPSHOT] and PATH (relative to the dataset's root, a
// leading '/' meaning that root: "/alice/x" or "alice/x") -> a request;
// names the part that is wrong. Pure.
core::Result<FileRestoreRequest> ParseFileRestore(FileRestoreRequest::Mode mode, const std::string& what,
                                                  const std::string& path, const std::string& into, bool overwrite);

// Runs it against this host's ZFS; what was copied, listed or found on
// `out`; exit status 0 (done), 1 (failed or something refused), 130
// (interrupted by SIGINT or SIGTERM, the clone destroyed).
int RunFileRestore(const config::Config& config, core::Zfs& zfs, const FileRestoreRequest& request, std::ostream& out);

}  // namespace zpull::cli
