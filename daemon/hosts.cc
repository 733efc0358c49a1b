#include "daemon/hosts.h"

#include "core/local_runner.h"
#include "core/ssh_runner.h"
#include "core/zfs_cli.h"

namespace zpull::daemon {

Hosts::Hosts(const config::Config& config) {
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
          core::SshTarget{s.name, s.host, s.port, s.user, s.identity_file, s.known_hosts_file,
                          s.connect_timeout_seconds, seconds(s.command_timeout_seconds)}));
    }
    core::CommandRunner* runner = runners_.back().get();
    owned_.push_back(std::make_unique<core::ZfsCli>(*runner, s.zfs_command, s.zpool_command));
    sources_[s.name] = owned_.back().get();
    source_runners_[s.name] = runner;
  }
}

Hosts::Hosts(std::map<std::string, core::Zfs*> sources, core::Zfs* destination)
    : sources_(std::move(sources)), destination_(destination) {}

core::Zfs& Hosts::Source(const std::string& name) { return *sources_.at(name); }

core::CommandRunner& Hosts::SourceRunner(const std::string& name) { return *source_runners_.at(name); }

core::CommandRunner& Hosts::LocalRunner() { return *runners_.at(0); }

core::Result<core::ZfsFeatures> Hosts::Cached(const std::string& key, core::Zfs& zfs, const core::DatasetName& pool) {
  {
    std::lock_guard lock(mu_);
    auto it = features_.find(key);
    if (it != features_.end()) return it->second;
  }
  auto f = zfs.Probe(pool);
  if (!f) return f;
  std::lock_guard lock(mu_);
  features_[key] = *f;
  return f;
}

core::Result<core::ZfsFeatures> Hosts::DestinationFeatures(const core::DatasetName& pool) {
  return Cached("destination\n" + pool.str(), *destination_, pool);
}

core::Result<core::ZfsFeatures> Hosts::SourceFeatures(const std::string& source, const core::DatasetName& pool) {
  return Cached("source\n" + source + "\n" + pool.str(), Source(source), pool);
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
