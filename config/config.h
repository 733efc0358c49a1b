#pragma once
// zpull's configuration file (YAML). deploy/zpull.example.yml documents every
// key. Loading validates everything before anything runs: unknown keys,
// wrong types, bad durations, invalid dataset names, duplicate destinations,
// unknown sources; each error names file:line:column and the key.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/dataset_name.h"
#include "core/metric_detail.h"
#include "core/result.h"
#include "core/shell_quote.h"
#include "replicate/dataset_selection.h"
#include "replicate/cycle.h"
#include "replicate/plan.h"
#include "replicate/retention.h"

namespace zpull::config {

struct SourceConfig {
  std::string name;
  std::string host;  // "local": this machine, no SSH
  int port = 22;
  std::string user = "root";
  std::string identity_file;
  std::string known_hosts_file;
  core::Argv zfs_command{"zfs"};
  core::Argv zpool_command{"zpool"};
  int connect_timeout_seconds = 30;
  // Bounds every command on this host that is not a transfer, a drill
  // step or a hook (those have their own limits).
  std::int64_t command_timeout_seconds = 600;
  // Replication slots this host may hold; none: SourceSlots' default.
  std::optional<int> parallelism;
  bool IsLocal() const { return host == "local"; }
};

// drill: {every, sample_files, max_bytes, source_clone, directory, source_directory}
struct DrillConfig {
  std::optional<std::int64_t> every;  // none: only on demand (zpull drill)
  std::size_t sample_files = 20;
  std::uint64_t max_bytes = 64ull << 20;
  bool source_clone = true;
  bool restore_test = false;
  std::int64_t timeout_seconds = 3600;
  std::string directory = "/var/tmp/zpull-drills";         // scratch mounts on this host
  std::string source_directory = "/var/tmp/zpull-drills";  // and on the source
  friend bool operator==(const DrillConfig&, const DrillConfig&) = default;
};

// replicate::ReplicationOptions and the per-dataset bandwidth limit; every
// key may be set at the top level (the default) and per dataset.
struct ReplicationOptions : replicate::ReplicationOptions {
  std::uint64_t bandwidth_limit = 0;  // bytes per second for this dataset; 0: none
};

// One hook: an argv run on this host or on the source (daemon/hooks.h runs it).
struct HookConfig {
  core::Argv command;
  std::int64_t timeout_seconds = 60;
  bool on_source = false;  // `on: source` runs it over the source's SSH connection
  friend bool operator==(const HookConfig&, const HookConfig&) = default;
};

// hooks: {pre_snapshot: {command, timeout, on}, post_replication: {…}}
struct HooksConfig {
  std::optional<HookConfig> pre_snapshot, post_replication;
  friend bool operator==(const HooksConfig&, const HooksConfig&) = default;
};

// notify: {webhooks: [{url, after_failures}], healthcheck_url,
// healthcheck_interval, ca_file, timeout} (docs/notifications.md).
struct WebhookConfig {
  std::string url;         // https:// (or http:// for a local receiver)
  int after_failures = 1;  // consecutive failed cycles before "failing"
  friend bool operator==(const WebhookConfig&, const WebhookConfig&) = default;
};

struct NotifyConfig {
  std::vector<WebhookConfig> webhooks;
  std::string healthcheck_url;  // empty: no dead-man ping
  std::int64_t healthcheck_interval_seconds = 300;
  std::string ca_file;          // empty: the system's CA store
  std::int64_t timeout_seconds = 10;
};

struct DatasetConfig {
  std::string source;  // a SourceConfig name
  core::DatasetName source_dataset;
  core::DatasetName destination;
  std::int64_t interval_seconds = 0;
  bool snapshot = true;
  replicate::InitialMode initial = replicate::InitialMode::kNewest;
  bool force = false;
  replicate::RetentionPolicy retention;
  // zpull's own source snapshots older than the newest common one are
  // pruned but for what these rules keep; nullopt: {prune: false}.
  std::optional<replicate::RetentionPolicy> source_retention = replicate::RetentionPolicy{};
  DrillConfig drill;
  ReplicationOptions options;
  HooksConfig hooks;  // a dataset's own `hooks:` replaces the top-level one
  // notify: {webhooks: […]} of the dataset, replacing notify.webhooks.
  std::optional<std::vector<WebhookConfig>> webhooks;
  // recursive: its children on the source too, each as a dataset of its own
  // (selected by `children`, found at run time: config/expand.h).
  bool recursive = false;
  replicate::ChildSelection children;
  // Set on the datasets expansion adds: the recursive entry's destination,
  // and the destination of the nearest replicated ancestor (which must be
  // received before this one, never created as a container).
  std::string expanded_from;
  std::optional<core::DatasetName> replicated_parent;
};

struct Config {
  std::string path;
  std::string snapshot_prefix;
  std::int64_t interval_seconds = 900;
  std::int64_t parity_interval_seconds = 300;  // parity: {interval: …}
  // scrub: {interval, every, pools, source_pools}
  std::int64_t scrub_interval_seconds = 300;         // how often pool status is read
  std::optional<std::int64_t> scrub_every_seconds;  // start a scrub when the last is older
  std::vector<std::string> scrub_pools;             // local pools; default: the destinations' pools
  bool scrub_source_pools = false;                  // also the sources' pools, over SSH
  int parallelism = 2;
  // command_timeout for this host's own zfs and zpool (a hung zfs-fuse
  // daemon blocks them as a hung source does).
  std::int64_t command_timeout_seconds = 600;
  std::uint64_t total_bandwidth_limit = 0;  // bytes per second over all transfers; 0: none
  std::string listen = "127.0.0.1:9720";
  std::string lock_directory = "/run/zpull";  // daemon.lock and one lock per destination
  std::string cache_directory = "/var/cache/zpull";  // probed ZFS features per host (core/feature_cache.h)
  std::string control_socket;                 // default: <lock_directory>/control.sock
  core::MetricDetail metrics_detail;  // metrics: {detail: [...]}: opt-in families
  NotifyConfig notify;
  std::string web_config_file;  // --web.config.file (exporter/web_config.h); not a YAML key
  core::Argv zfs_command{"zfs"};      // on this (the backup) host
  core::Argv zpool_command{"zpool"};  // on this host
  std::vector<SourceConfig> sources;
  std::vector<DatasetConfig> datasets;
  // What loaded but should change (a deprecated key), each naming
  // file:line:column; the commands print them on stderr or log them.
  std::vector<std::string> warnings;

  const SourceConfig& SourceOf(const DatasetConfig& d) const;
};

// How many replication slots `source` may hold at once: its own
// `parallelism`, else the global one where it is the only source, else
// max(1, parallelism / 2), so that one host never holds them all.
int SourceSlots(const Config& config, const SourceConfig& source);

// Parses `text` as if read from `path`. `hostname` sets the default
// snapshot prefix ("zpull_<hostname>").
core::Result<Config> ParseConfig(const std::string& text, const std::string& path, const std::string& hostname);
core::Result<Config> LoadConfig(const std::string& path, const std::string& hostname);

// "90", "90s", "15m", "1h30m", "30d", "2w" -> seconds; nullopt if malformed.
std::optional<std::int64_t> ParseDuration(std::string_view text);

}  // namespace zpull::config
