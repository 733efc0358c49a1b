#pragma once
// Whether replicas can harm the backup host: a pure function of one
// recursive property listing per destination root (Zfs::GetTreeProperties).
// A replica, and anything below it, must not mount by itself (canmount=on),
// run setuid files, open device nodes or run programs (setuid, devices,
// exec on), keep a mountpoint a stream brought (source "received"), be
// writable where `readonly` is configured, or, as a volume, expose device
// nodes (volmode other than none). These are the values every receive
// forces (replicate::ForcedProperties); receive.set may ask for others.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/zfs.h"

namespace zpull::checks {

// A configured destination dataset and what its configuration allows.
struct SafetyTarget {
  std::string dataset;
  bool readonly = false;                   // `readonly: true`
  std::map<std::string, std::string> set;  // receive.set: values asked for on purpose
};

struct UnsafeProperty {
  std::string dataset;  // the replica or a dataset below it
  std::string property;
  core::PropertyValue now;
  // What zpull sets; nullopt: `zfs inherit` (the replica's received
  // mountpoint; below it, mountpoint=none).
  std::optional<std::string> safe;
  bool asked = false;               // receive.set asked for this value

  friend bool operator==(const UnsafeProperty&, const UnsafeProperty&) = default;
};

struct SafetyReport {
  std::string dataset;  // the target
  std::vector<UnsafeProperty> unsafe;

  // The differences receive.set did not ask for: zpull_replica_unsafe_properties.
  std::size_t Unasked() const;
  // How the next cycle brings the replica into line (the unasked ones).
  std::vector<core::PropertyChange> Repairs() const;
};

// What to list (besides `type`): volmode only where the destination has it.
std::vector<std::string> SafetyProperties(bool volmode);

// Where to list: per pool, the deepest dataset that is or contains every
// target there (one listing per pool, whatever the number of targets).
std::vector<std::string> SafetyRoots(const std::vector<SafetyTarget>& targets);

// One report per target, in the targets' order. Every listed dataset counts
// for the deepest target that is it or its ancestor; others are ignored.
std::vector<SafetyReport> CheckReplicaSafety(const std::vector<SafetyTarget>& targets,
                                             const std::vector<core::DatasetProperties>& listing);

}  // namespace zpull::checks
