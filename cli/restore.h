#pragma once
// `zpull restore DATASET[@SNAPSHOT] --to HOST:DATASET [--yes] [--force]`:
// the seed's reverse path, from a backup on this host to a configured
// source (or `local`). A dry run unless --yes; a receive that needs -F
// (replacing the target, or rolling back its newer snapshots or changes)
// is refused unless --force. Plans with replicate/restore_plan.h.

#include <ostream>
#include <string>
#include <vector>

#include "core/result.h"
#include "config/config.h"
#include "daemon/hosts.h"

namespace zpull::cli {

struct RestoreRequest {
  core::DatasetName dataset;  // on this host
  std::string snapshot;       // empty: the newest
  std::string target_host;    // a source's name, or "local"
  core::DatasetName target;
  bool yes = false, force = false;
};

// DATASET[@SNAPSHOT] and HOST:DATASET (or DATASET: local) -> a request;
// names the part that is wrong. `config` knows the source names. Pure.
core::Result<RestoreRequest> ParseRestore(const config::Config& config, const std::string& what, const std::string& to,
                                          bool yes, bool force);

// Prints the plan (and the outcome) on `out`; exit status 0 (done, or dry
// run), 1 (refused or failed).
int RunRestore(daemon::Hosts& hosts, const RestoreRequest& request, std::ostream& out);

}  // namespace zpull::cli
