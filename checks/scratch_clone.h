#pragma once
// A temporary read-only clone of a snapshot on one host, mounted where
// nobody else can plant anything: what restore drills and `zpull restore
// --file` read a backup through.

#include <string>

#include "core/dataset_name.h"
#include "core/zfs.h"

namespace zpull::checks {

// "<prefix>_<64 random bits, hex>": a name nobody can guess and plant
// something under (a mountpoint, a dataset) before it is made.
std::string ScratchName(const std::string& prefix);

// Destroys the clone it was given when it goes out of scope (or at
// Destroy()), whatever happened in between. Not thread-safe.
class ScratchClone {
 public:
  ScratchClone(core::Zfs& zfs, core::DatasetName name) : zfs_(zfs), name_(std::move(name)) {}
  ~ScratchClone() { (void)Destroy(); }
  ScratchClone(const ScratchClone&) = delete;
  ScratchClone& operator=(const ScratchClone&) = delete;

  const core::DatasetName& Name() const { return name_; }
  // Unmounts and destroys it now (once; later calls succeed at once).
  core::Status Destroy();

 private:
  core::Zfs& zfs_;
  core::DatasetName name_;
  bool destroyed_ = false;
};

}  // namespace zpull::checks
