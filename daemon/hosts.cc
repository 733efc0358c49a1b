#include "daemon/hosts.h"

#include "core/local_runner.h"
#include "core/ssh_runner.h"
#include "core/zfs_cli.h"

namespace zpull::daemon {

Hosts::Hosts(const config::Config& config) : disk_(config.cache_directory) {
  using std::chrono::seconds;
  runners_.push_back(std::make_unique<core::LocalRunner>(seconds(config.command_timeout_seconds)));
  core::CommandRunner& local = *runners_.back();
  owned_.push_back(std::make_unique<core::ZfsCli>(local, config.zfs_command, config.zpool_command));
  destination_ = owned_.back().get();
  for (const auto& s : config.sources) {
    if (s.IsLocal()) {
      runners_.push_back(std::make_unique<core::LocalRunner>(seconds(s.command_timeout_seconds)));
    } else {
      runners_.push_back(std::make_unique<core::SshRunner>(
          SshTargetOf(s)));
    }
    core::CommandRunner* runner = runners_.back().get();
    owned_.push_back(std::make_unique<core::ZfsCli>(*runner, s.zfs_command, s.zpool_command));
    sources_[s.name] = owned_.back().get();
    source_runners_[s.name] = runner;
  }
}

core::SshTarget SshTargetOf(const config::SourceConfig& s) {
  return core::SshTarget{s.name, s.host, s.port, s.user, s.identity_file, s.known_hosts_file,
                         s.connect_timeout_seconds, std::chrono::seconds(s.command_timeout_seconds)};
}

Hosts::Hosts(std::map<std::string, core::Zfs*> sources, core::Zfs* destination, std::string cache_directory)
    : sources_(std::move(sources)), destination_(destination), disk_(std::move(cache_directory)) {
  runners_.push_back(std::make_unique<core::LocalRunner>(std::chrono::seconds(60)));  // hooks on this host
}

core::Zfs& Hosts::Source(const std::string& name) { return *sources_.at(name); }

core::CommandRunner& Hosts::SourceRunner(const std::string& name) { return *source_runners_.at(name); }

core::CommandRunner& Hosts::LocalRunner() { return *runners_.at(0); }

core::Result<std::optional<core::ZfsFeatures>> Hosts::Cached(const std::string& host, core::Zfs& zfs,
                                                             const core::DatasetName& pool, bool probe) {
  const std::string key = host + "\n" + pool.str();
  std::optional<std::string> fingerprint;
  {
    std::lock_guard lock(mu_);
    if (auto it = features_.find(key); it != features_.end()) {
      // A daemon's features age as the cache's do: a day on, the host is
      // asked again (its zfs or guard may have changed) and the cache
      // written anew, so that zpull verify keeps finding them.
      if (std::chrono::steady_clock::now() - it->second.at < core::FeatureCache::kMaxAge) return it->second.features;
      features_.erase(it);
      fingerprints_.erase(host);
    }
    if (auto it = fingerprints_.find(host); it != fingerprints_.end()) fingerprint = it->second;
  }
  if (!fingerprint) {
    // A host that cannot answer `zfs version` (unreachable, hung, its zfs
    // down) cannot be probed either.
    auto fp = zfs.Fingerprint();
    if (!fp) {
      if (!probe) return std::optional<core::ZfsFeatures>();
      return tl::unexpected(fp.error());
    }
    fingerprint = *fp;
    std::lock_guard lock(mu_);
    fingerprints_[host] = *fp;
  }
  std::optional<core::ZfsFeatures> f = disk_.Load(host, *fingerprint);
  if (f) zfs.Adopt(*f);
  if (!f && probe) {
    auto probed = zfs.Probe(pool);
    if (!probed) return tl::unexpected(probed.error());
    f = *probed;
    // A probe whose pool was missing says little about the host: kept for
    // that pool in memory only.
    if (f->pool_found) disk_.Store(host, *fingerprint, *f);
  }
  if (!f) return std::optional<core::ZfsFeatures>();
  std::lock_guard lock(mu_);
  features_[key] = Known{*f, std::chrono::steady_clock::now()};
  return f;
}

namespace {
core::Result<core::ZfsFeatures> Probed(core::Result<std::optional<core::ZfsFeatures>> f) {
  if (!f) return tl::unexpected(f.error());
  return **f;  // probing gives features or an error
}
}  // namespace

core::Result<core::ZfsFeatures> Hosts::DestinationFeatures(const core::DatasetName& pool) {
  return Probed(Cached("destination", *destination_, pool, true));
}

std::optional<core::ZfsFeatures> Hosts::KnownDestinationFeatures(const core::DatasetName& pool) {
  auto f = Cached("destination", *destination_, pool, false);
  return f ? *f : std::nullopt;
}

core::Result<core::ZfsFeatures> Hosts::SourceFeatures(const std::string& source, const core::DatasetName& pool) {
  return Probed(Cached("source\n" + source, Source(source), pool, true));
}

ReplicationSlots SlotsOf(const config::Config& config) {
  ReplicationSlots out;
  for (const auto& s : config.sources) out.slots.push_back(static_cast<std::size_t>(config::SourceSlots(config, s)));
  for (const auto& d : config.datasets) {
    std::size_t h = 0;
    while (h < config.sources.size() && config.sources[h].name != d.source) ++h;
    out.host_of.push_back(h);
  }
  return out;
}

}  // namespace zpull::daemon
