#pragma once
// Owns the command runners and ZFS adapters for every configured source and
// for this (the destination) host, and caches each host's probed features:
// in memory, and on disk in cache_directory (core/feature_cache.h), where
// they hold while the host's fingerprint stays the same.
// Thread-safe: the feature cache is guarded by mu_; runners and adapters are
// themselves thread-safe.

#include <chrono>
#include <map>
#include <memory>
#include <mutex>

#include "core/feature_cache.h"
#include "core/runner.h"
#include "core/ssh_target.h"
#include "core/zfs.h"
#include "config/config.h"
#include "config/expand.h"

namespace zpull::daemon {

// How an SSH source of the configuration is reached.
core::SshTarget SshTargetOf(const config::SourceConfig& source);

class Hosts {
 public:
  explicit Hosts(const config::Config& config);
  // For tests: adapters supplied from outside (e.g. FakeZfs), by source
  // name; features cached on disk only with a `cache_directory`.
  Hosts(std::map<std::string, core::Zfs*> sources, core::Zfs* destination, std::string cache_directory = "");

  core::Zfs& Source(const std::string& name);
  // Source() as a function, for config::ExpandDatasets; valid while this lives.
  config::SourceZfs SourceLookup() {
    return [this](const std::string& name) -> core::Zfs& { return Source(name); };
  }
  // The command runner of a source (SSH, or local), and of this host.
  core::CommandRunner& SourceRunner(const std::string& name);
  core::CommandRunner& LocalRunner();
  core::Zfs& Destination() { return *destination_; }
  // Features of the destination, from the cache or probed on first use
  // against `pool`.
  core::Result<core::ZfsFeatures> DestinationFeatures(const core::DatasetName& pool);
  // Features of a source, from the cache or probed on first use against
  // `pool` (a failed probe is not cached: the next call tries again).
  core::Result<core::ZfsFeatures> SourceFeatures(const std::string& source, const core::DatasetName& pool);
  // The destination's features where they are cached (in memory, or on
  // disk for its fingerprint: one `zfs version`), nullopt where they would
  // have to be probed: what a light command (`zpull verify`) does without.
  std::optional<core::ZfsFeatures> KnownDestinationFeatures(const core::DatasetName& pool);

 private:
  std::vector<std::unique_ptr<core::CommandRunner>> runners_;
  std::vector<std::unique_ptr<core::Zfs>> owned_;
  std::map<std::string, core::Zfs*> sources_;
  std::map<std::string, core::CommandRunner*> source_runners_;
  core::Zfs* destination_ = nullptr;
  std::mutex mu_;
  // The features of `host` (its cache key) for `pool`: from memory, from
  // disk, or (with `probe`) probed and stored in both; nullopt without.
  core::Result<std::optional<core::ZfsFeatures>> Cached(const std::string& host, core::Zfs& zfs,
                                                        const core::DatasetName& pool, bool probe);
  struct Known {
    core::ZfsFeatures features;
    std::chrono::steady_clock::time_point at;  // when taken: after a day, probed again (as on disk)
  };
  std::map<std::string, Known> features_;              // by host and pool; guarded by mu_
  std::map<std::string, std::string> fingerprints_;    // by host; guarded by mu_
  core::FeatureCache disk_{""};
};

// Each dataset's source host (an index into config.sources) and each
// host's replication slots (config::SourceSlots): Scheduler::SetHosts.
struct ReplicationSlots {
  std::vector<std::size_t> host_of, slots;
};
ReplicationSlots SlotsOf(const config::Config& config);

}  // namespace zpull::daemon
