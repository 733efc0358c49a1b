#pragma once
// Why a cycle must not send, told before anything is snapshotted or sent,
// and what would let it: the cycle and the dry-run (replicate/preview.h)
// refuse alike, with the same words. Pure.

#include <optional>
#include <string>

#include "core/dataset_name.h"
#include "core/result.h"
#include "replicate/plan.h"

namespace zpull::replicate {

// What a job's configuration allows that changes a refusal.
struct RefusalPolicy {
  core::DatasetName destination;
  bool force = false;                // force: a full receive may overwrite
  bool force_on_divergence = false;  // newer destination snapshots may go
};

// The refusal `plan` (made with the snapshot the cycle would take) carries
// under `policy`: diverged without force_on_divergence, no common snapshot,
// or a destination that exists without snapshots without force. Each
// message names the configuration key that would change it and what that
// costs; force is never offered for a pool's root. nullopt: it may run.
std::optional<core::Error> Refusal(const Plan& plan, const RefusalPolicy& policy);

// The refusal of an incremental receive into `destination`, changed since
// its newest snapshot `newest` (`written` bytes, as zfs prints them).
core::Error ModifiedRefusal(const core::DatasetName& destination, const std::string& newest, const std::string& written);

// Whether `written` (the property as zfs prints it) says nothing was written.
bool NothingWritten(const std::string& written);

// The refusal for a destination whose pool does not exist on this host.
core::Error MissingPoolRefusal(const core::DatasetName& destination);

// The refusal for a destination whose ancestor `parent` is the replica of
// another entry that has not received it yet.
core::Error WaitingForParentRefusal(const core::DatasetName& destination, const core::DatasetName& parent);

}  // namespace zpull::replicate
