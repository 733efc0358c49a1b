#include "config/config.h"

#include <yaml-cpp/yaml.h>

#include "core/pool_status.h"
#include "config/yaml_reader.h"
#include "replicate/snapshot_name.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

namespace zpull::config {
namespace {

using core::Reason;

// Keys of ReplicationOptions, allowed at the top level and per dataset.
constexpr std::initializer_list<const char*> kOptionKeys = {
    "stall_timeout", "transfer_timeout", "retries",   "retry_backoff", "bandwidth_limit",
    "readonly",      "rollback_destination", "force_on_divergence", "bookmarks", "send", "compress", "receive", "snapshots"};

class Parser : public YamlReader {
 public:
  explicit Parser(std::string path) : YamlReader(std::move(path)) {}

  std::int64_t Duration(const YAML::Node& n, const std::string& key) const {
    if (!n.IsScalar()) Error(n, key, "expected a duration such as 90s, 15m, 1h, 30d");
    auto d = ParseDuration(n.Scalar());
    if (!d || *d <= 0) Error(n, key, "invalid duration '" + n.Scalar() + "' (use e.g. 90s, 15m, 1h30m, 30d, 2w)");
    return *d;
  }

  core::DatasetName Dataset(const YAML::Node& n, const std::string& key) const {
    auto name = core::DatasetName::Parse(String(n, key));
    if (!name) Error(n, key, name.error().message);
    return *name;
  }

  core::Argv Command(const YAML::Node& n, const std::string& key) const {
    if (!n.IsSequence() || n.size() == 0) Error(n, key, "expected a non-empty list of arguments, e.g. [sudo, -n, zfs]");
    core::Argv argv;
    for (const auto& a : n) argv.push_back(String(a, key));
    return argv;
  }

  std::string PropertyName(const YAML::Node& n, const std::string& key) const {
    std::string p = String(n, key);
    bool ok = !p.empty() && std::isalpha(static_cast<unsigned char>(p[0]));
    for (char c : p) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':' || c == '.' || c == '-');
    if (!ok) Error(n, key, "'" + p + "' is not a ZFS property name");
    return p;
  }

  std::uint64_t Rate(const YAML::Node& n, const std::string& key) const {
    std::string text = String(n, key);
    if (text.ends_with("/s")) text.resize(text.size() - 2);
    auto b = core::ParseNiceBytes(text);
    if (!b || *b == 0) Error(n, key, "expected bytes per second such as 20M or 1.5G (optionally with /s)");
    return *b;
  }

  ReplicationOptions Options(const YAML::Node& n, ReplicationOptions o) const {
    if (n["stall_timeout"]) o.transfer.stall_timeout = std::chrono::seconds(Duration(n["stall_timeout"], "stall_timeout"));
    if (n["transfer_timeout"]) {
      o.transfer.total_timeout = std::chrono::seconds(Duration(n["transfer_timeout"], "transfer_timeout"));
    }
    if (n["retries"]) o.transfer.retries = static_cast<int>(Int(n["retries"], "retries", 0, 20));
    if (n["retry_backoff"]) o.transfer.retry_backoff_seconds = Duration(n["retry_backoff"], "retry_backoff");
    if (n["bandwidth_limit"]) o.bandwidth_limit = Rate(n["bandwidth_limit"], "bandwidth_limit");
    if (n["readonly"]) o.readonly = Bool(n["readonly"], "readonly");
    if (n["rollback_destination"]) o.rollback_destination = Bool(n["rollback_destination"], "rollback_destination");
    if (n["force_on_divergence"]) o.force_on_divergence = Bool(n["force_on_divergence"], "force_on_divergence");
    if (n["bookmarks"]) o.bookmarks = Bool(n["bookmarks"], "bookmarks");
    if (const auto& snaps = n["snapshots"]) {
      ExpectMap(snaps, "snapshots", {"include", "exclude"});
      o.snapshots = {};
      for (auto [key, list] : {std::pair{"include", &o.snapshots.include}, {"exclude", &o.snapshots.exclude}}) {
        const auto& node = snaps[key];
        if (!node) continue;
        if (!node.IsSequence()) Error(node, key, "expected a list of snapshot name patterns such as '*_daily'");
        for (const auto& p : node) {
          std::string pattern = String(p, key);
          if (pattern.empty() || pattern.find('@') != std::string::npos || pattern.find('/') != std::string::npos) {
            Error(p, key, "'" + pattern + "' is not a snapshot name pattern (short names, no '@' or '/')");
          }
          list->push_back(pattern);
        }
      }
    }
    if (const auto& recv = n["receive"]) {
      ExpectMap(recv, "receive", {"exclude", "set"});
      o.receive = {};
      if (const auto& ex = recv["exclude"]) {
        if (!ex.IsSequence()) Error(ex, "exclude", "expected a list of property names");
        for (const auto& p : ex) o.receive.exclude.push_back(PropertyName(p, "exclude"));
      }
      if (const auto& set = recv["set"]) {
        if (!set.IsMap()) Error(set, "set", "expected a mapping of property: value");
        for (const auto& kv : set) {
          o.receive.set[PropertyName(kv.first, "set")] = String(kv.second, kv.first.Scalar());
        }
      }
    }
    if (n["compress"]) {
      std::string v = String(n["compress"], "compress");
      if (v != "zstd" && v != "none") Error(n["compress"], "compress", "expected 'zstd' or 'none', got '" + v + "'");
      o.send.wire_zstd = v == "zstd";
    }
    if (const auto& send = n["send"]) {
      ExpectMap(send, "send", {"compressed", "large_blocks", "embedded", "properties", "decrypted"});
      if (send["compressed"]) o.send.compressed = Bool(send["compressed"], "compressed");
      if (send["large_blocks"]) o.send.large_blocks = Bool(send["large_blocks"], "large_blocks");
      if (send["embedded"]) o.send.embedded = Bool(send["embedded"], "embedded");
      if (send["properties"]) o.send.properties = Bool(send["properties"], "properties");
      if (send["decrypted"]) o.send.send_decrypted = Bool(send["decrypted"], "decrypted");
    }
    return o;
  }

  // source_retention: as retention, and {prune: false} (there only):
  // never prune the source (nullopt).
  std::optional<replicate::RetentionPolicy> SourceRetention(const YAML::Node& n) const {
    ExpectMap(n, "source_retention", {"keep_last", "max_age", "grid", "prune_foreign", "prune"});
    if (const auto& prune = n["prune"]) {
      if (Bool(prune, "prune")) Error(prune, "prune", "only 'prune: false' is meaningful (pruning is the default)");
      if (n.size() > 1) {
        Error(prune, "prune", "'prune: false' keeps every snapshot on the source: the rules beside it would keep "
                              "nothing more; give one or the other");
      }
      return std::nullopt;
    }
    return Retention(n, "source_retention");
  }

  replicate::RetentionPolicy Retention(const YAML::Node& n, const std::string& key) const {
    ExpectMap(n, key, {"keep_last", "max_age", "grid", "prune_foreign"});
    replicate::RetentionPolicy p;
    if (n["keep_last"]) p.keep_last = static_cast<int>(Int(n["keep_last"], "keep_last", 1, 1000000));
    if (n["max_age"]) p.max_age_seconds = Duration(n["max_age"], "max_age");
    if (n["prune_foreign"]) p.prune_foreign = Bool(n["prune_foreign"], "prune_foreign");
    if (const auto& g = n["grid"]) {
      ExpectMap(g, "grid", {"hourly", "daily", "weekly", "monthly", "yearly"});
      const std::pair<const char*, replicate::GridPeriod> periods[] = {
          {"hourly", replicate::GridPeriod::kHour},   {"daily", replicate::GridPeriod::kDay},
          {"weekly", replicate::GridPeriod::kWeek},   {"monthly", replicate::GridPeriod::kMonth},
          {"yearly", replicate::GridPeriod::kYear}};
      for (auto [name, period] : periods) {
        if (g[name]) {
          int count = static_cast<int>(Int(g[name], name, 0, 100000));
          if (count > 0) p.grid.push_back({period, count});
        }
      }
    }
    return p;
  }

  HookConfig Hook(const YAML::Node& n, const std::string& key) const {
    ExpectMap(n, key, {"command", "timeout", "on"});
    if (!n["command"]) Error(n, "command", "missing (the hook's argv, e.g. [/usr/local/bin/flush-db, --quiet])");
    HookConfig h;
    h.command = Command(n["command"], "command");
    if (n["timeout"]) h.timeout_seconds = Duration(n["timeout"], "timeout");
    if (n["on"]) {
      std::string on = String(n["on"], "on");
      if (on != "local" && on != "source") Error(n["on"], "on", "expected 'local' or 'source', got '" + on + "'");
      h.on_source = on == "source";
    }
    return h;
  }

  // An http(s) URL with a host; plain http is accepted with a warning.
  std::string Url(const YAML::Node& n, const std::string& key, std::vector<std::string>& warnings) const {
    const std::string url = String(n, key);
    const bool https = url.starts_with("https://"), http = url.starts_with("http://");
    const std::size_t host_at = https ? 8 : 7;
    if ((!https && !http) || url.size() <= host_at || url[host_at] == '/' ||
        url.find_first_of(" \t\r\n") != std::string::npos) {
      Error(n, key, "expected an https:// URL (or http:// for a receiver on this network)");
    }
    if (http) {
      warnings.push_back(Where(path_, n) + ": '" + key + "': http:// sends in plain text (and any token in the URL): " +
                         "use it for a receiver on this host or network only");
    }
    return url;
  }

  std::vector<WebhookConfig> Webhooks(const YAML::Node& n, std::vector<std::string>& warnings) const {
    if (!n.IsSequence()) Error(n, "webhooks", "expected a list of {url: URL, after_failures: N}");
    std::vector<WebhookConfig> out;
    for (const auto& w : n) {
      ExpectMap(w, "webhooks[]", {"url", "after_failures"});
      if (!w["url"]) Error(w, "url", "missing");
      WebhookConfig c{Url(w["url"], "url", warnings)};
      if (w["after_failures"]) c.after_failures = static_cast<int>(Int(w["after_failures"], "after_failures", 1, 1000));
      out.push_back(std::move(c));
    }
    return out;
  }

  NotifyConfig Notify(const YAML::Node& n, std::vector<std::string>& warnings) const {
    ExpectMap(n, "notify", {"webhooks", "healthcheck_url", "healthcheck_interval", "ca_file", "timeout"});
    NotifyConfig c;
    if (n["webhooks"]) c.webhooks = Webhooks(n["webhooks"], warnings);
    if (n["healthcheck_url"]) c.healthcheck_url = Url(n["healthcheck_url"], "healthcheck_url", warnings);
    if (n["healthcheck_interval"]) {
      c.healthcheck_interval_seconds = Duration(n["healthcheck_interval"], "healthcheck_interval");
      if (c.healthcheck_interval_seconds < 10) Error(n["healthcheck_interval"], "healthcheck_interval", "at least 10s");
    }
    if (n["ca_file"]) {
      c.ca_file = String(n["ca_file"], "ca_file");
      if (std::FILE* f = std::fopen(c.ca_file.c_str(), "r")) {
        std::fclose(f);
      } else {
        Error(n["ca_file"], "ca_file", "cannot read '" + c.ca_file + "': " + std::strerror(errno));
      }
    }
    if (n["timeout"]) {
      c.timeout_seconds = Duration(n["timeout"], "timeout");
      if (c.timeout_seconds < 1) Error(n["timeout"], "timeout", "at least 1s");
    }
    return c;
  }

  HooksConfig Hooks(const YAML::Node& n) const {
    ExpectMap(n, "hooks", {"pre_snapshot", "post_replication"});
    HooksConfig h;
    if (n["pre_snapshot"]) h.pre_snapshot = Hook(n["pre_snapshot"], "pre_snapshot");
    if (n["post_replication"]) h.post_replication = Hook(n["post_replication"], "post_replication");
    return h;
  }

  DrillConfig Drill(const YAML::Node& n, const std::string& key) const {
    ExpectMap(n, key,
              {"every", "sample_files", "max_bytes", "source_clone", "restore_test", "timeout", "directory",
               "source_directory"});
    DrillConfig d;
    if (n["every"]) d.every = Duration(n["every"], "every");
    if (n["sample_files"]) d.sample_files = static_cast<std::size_t>(Int(n["sample_files"], "sample_files", 1, 100000));
    if (n["max_bytes"]) {
      auto b = core::ParseNiceBytes(String(n["max_bytes"], "max_bytes"));
      if (!b || *b == 0) Error(n["max_bytes"], "max_bytes", "expected a size such as 64M or 1G");
      d.max_bytes = *b;
    }
    if (n["source_clone"]) d.source_clone = Bool(n["source_clone"], "source_clone");
    if (n["restore_test"]) d.restore_test = Bool(n["restore_test"], "restore_test");
    if (n["timeout"]) d.timeout_seconds = Duration(n["timeout"], "timeout");
    for (auto [k, field] : {std::pair{"directory", &d.directory}, {"source_directory", &d.source_directory}}) {
      if (n[k]) {
        *field = String(n[k], k);
        if (field->empty() || (*field)[0] != '/') Error(n[k], k, "must be an absolute path");
      }
    }
    return d;
  }

  SourceConfig Source(const YAML::Node& n) const {
    ExpectMap(n, "sources[]", {"name", "host", "port", "user", "identity_file", "known_hosts", "zfs_command",
                               "zpool_command", "connect_timeout", "command_timeout", "parallelism"});
    SourceConfig s;
    if (!n["name"]) Error(n, "name", "missing (every source needs a name)");
    s.name = String(n["name"], "name");
    if (s.name.empty() || s.name.find_first_of(" \t\n\"'{}") != std::string::npos) {
      Error(n["name"], "name", "must be non-empty, without spaces, quotes or braces (it becomes a metrics label)");
    }
    if (!n["host"]) Error(n, "host", "missing (a host name or address, or 'local')");
    s.host = String(n["host"], "host");
    if (n["port"]) s.port = static_cast<int>(Int(n["port"], "port", 1, 65535));
    if (n["user"]) s.user = String(n["user"], "user");
    if (n["identity_file"]) s.identity_file = String(n["identity_file"], "identity_file");
    if (n["known_hosts"]) s.known_hosts_file = String(n["known_hosts"], "known_hosts");
    if (n["zfs_command"]) s.zfs_command = Command(n["zfs_command"], "zfs_command");
    if (n["zpool_command"]) s.zpool_command = Command(n["zpool_command"], "zpool_command");
    if (n["connect_timeout"]) {
      s.connect_timeout_seconds = static_cast<int>(Duration(n["connect_timeout"], "connect_timeout"));
    }
    if (n["command_timeout"]) s.command_timeout_seconds = Duration(n["command_timeout"], "command_timeout");
    if (n["parallelism"]) s.parallelism = static_cast<int>(Int(n["parallelism"], "parallelism", 1, 64));
    if (!s.IsLocal()) {
      if (s.identity_file.empty()) Error(n, "identity_file", "missing for SSH source '" + s.name + "'");
      if (s.known_hosts_file.empty()) {
        Error(n, "known_hosts", "missing for SSH source '" + s.name + "' (host keys are always verified)");
      }
    }
    return s;
  }

  // The key naming a dataset's source dataset: `source_dataset`, or its old
  // name `dataset` (read with a warning naming the line; metric labels and
  // logs call the destination `dataset`).
  std::string SourceDatasetKey(const YAML::Node& n, std::vector<std::string>& warnings) const {
    if (!n["dataset"]) return "source_dataset";
    if (n["source_dataset"]) Error(n["dataset"], "dataset", "the old name of 'source_dataset': give one of them");
    warnings.push_back(Where(path_, n["dataset"]) +
                       ": 'dataset': deprecated, rename it to 'source_dataset' (the dataset on the source)");
    return "dataset";
  }

  DatasetConfig Dataset(const YAML::Node& n, const Config& c, const replicate::RetentionPolicy& default_retention,
                        const std::optional<replicate::RetentionPolicy>& default_source_retention,
                        const DrillConfig& default_drill, const ReplicationOptions& default_options,
                        const HooksConfig& default_hooks, std::vector<std::string>& warnings) const {
    ExpectMap(n, "datasets[]",
              {"source", "source_dataset", "destination", "interval", "snapshot", "initial", "force", "retention",
               "source_retention", "drill", "hooks", "recursive", "children", "notify"},
              kOptionKeys, {"dataset"});
    const std::string source_key = SourceDatasetKey(n, warnings);
    for (const std::string& required : {std::string("source"), source_key, std::string("destination")}) {
      if (!n[required]) Error(n, required, "missing");
    }
    DatasetConfig d{.source = String(n["source"], "source"),
                    .source_dataset = Dataset(n[source_key], source_key),
                    .destination = Dataset(n["destination"], "destination")};
    bool known = false;
    for (const auto& s : c.sources) known = known || s.name == d.source;
    if (!known) Error(n["source"], "source", "no source named '" + d.source + "' under 'sources'");
    d.interval_seconds = n["interval"] ? Duration(n["interval"], "interval") : c.interval_seconds;
    if (n["snapshot"]) d.snapshot = Bool(n["snapshot"], "snapshot");
    if (n["force"]) d.force = Bool(n["force"], "force");
    if (n["initial"]) {
      std::string v = String(n["initial"], "initial");
      if (v == "newest") d.initial = replicate::InitialMode::kNewest;
      else if (v == "all") d.initial = replicate::InitialMode::kAll;
      else Error(n["initial"], "initial", "expected 'newest' or 'all', got '" + v + "'");
    }
    d.retention = n["retention"] ? Retention(n["retention"], "retention") : default_retention;
    d.source_retention = n["source_retention"] ? SourceRetention(n["source_retention"]) : default_source_retention;
    d.drill = n["drill"] ? Drill(n["drill"], "drill") : default_drill;
    d.options = Options(n, default_options);
    d.hooks = n["hooks"] ? Hooks(n["hooks"]) : default_hooks;
    if (const auto& notify = n["notify"]) {
      ExpectMap(notify, "notify", {"webhooks"});
      if (notify["webhooks"]) d.webhooks = Webhooks(notify["webhooks"], warnings);
    }
    if (n["recursive"]) d.recursive = Bool(n["recursive"], "recursive");
    if (const auto& children = n["children"]) {
      if (!d.recursive) Error(children, "children", "only with 'recursive: true'");
      d.children = Children(children);
    }
    return d;
  }

  // children: {include: [..], exclude: [..], property: zpull:backup}
  replicate::ChildSelection Children(const YAML::Node& n) const {
    ExpectMap(n, "children", {"include", "exclude", "property"});
    replicate::ChildSelection sel;
    for (auto [key, list] : {std::pair{"include", &sel.include}, {"exclude", &sel.exclude}}) {
      const auto& node = n[key];
      if (!node) continue;
      if (!node.IsSequence()) Error(node, key, "expected a list of dataset path patterns below the root, such as 'vm-*'");
      for (const auto& p : node) {
        std::string pattern = String(p, key);
        if (pattern.empty() || pattern.front() == '/' || pattern.find('@') != std::string::npos) {
          Error(p, key, "'" + pattern + "' is not a dataset path pattern (relative to the root, no '@')");
        }
        list->push_back(pattern);
      }
    }
    if (const auto& prop = n["property"]) {
      // A user property ("module:name", zfsprops(7)); '' consults none.
      sel.property = String(prop, "property");
      if (!sel.property.empty() &&
          (PropertyName(prop, "property").find(':') == std::string::npos)) {
        Error(prop, "property", "'" + sel.property + "' is not a user property (module:name, e.g. zpull:backup)");
      }
    }
    return sel;
  }

  Config Parse(const YAML::Node& root, const std::string& hostname) const {
    if (root.IsNull()) Error(root, "", "the file is empty");
    ExpectMap(root, "",
              {"snapshot_prefix", "interval", "parallelism", "command_timeout", "listen", "zfs_command", "retention", "source_retention",
               "parity", "scrub", "drill", "zpool_command", "lock_directory", "cache_directory", "control_socket", "total_bandwidth_limit", "hooks",
               "metrics", "notify", "sources", "datasets"},
              kOptionKeys);
    Config c;
    c.path = path_;
    c.snapshot_prefix = replicate::DefaultPrefix(hostname);
    if (root["snapshot_prefix"]) {
      c.snapshot_prefix = String(root["snapshot_prefix"], "snapshot_prefix");
      auto valid = core::ValidateSnapshotName(c.snapshot_prefix + "_2026-01-01T00:00:00Z");
      if (!valid || c.snapshot_prefix.find(' ') != std::string::npos) {
        Error(root["snapshot_prefix"], "snapshot_prefix",
              "must use only letters, digits, '-', '_', '.', ':' (it names snapshots and holds)");
      }
    }
    if (root["interval"]) c.interval_seconds = Duration(root["interval"], "interval");
    if (root["notify"]) c.notify = Notify(root["notify"], c.warnings);
    if (const auto& parity = root["parity"]) {
      ExpectMap(parity, "parity", {"interval"});
      if (parity["interval"]) c.parity_interval_seconds = Duration(parity["interval"], "interval");
    }
    if (const auto& metrics = root["metrics"]) {
      ExpectMap(metrics, "metrics", {"detail"});
      if (const auto& detail = metrics["detail"]) {
        if (!detail.IsSequence()) Error(detail, "detail", "expected a list of metric groups");
        for (const auto& g : detail) {
          const std::string name = String(g, "detail");
          if (!c.metrics_detail.Enable(name)) {
            std::string known;
            for (auto k : core::MetricDetail::kNames) known += (known.empty() ? "" : ", ") + std::string(k);
            Error(g, "detail", "unknown metric group '" + name + "' (known: " + known + ")");
          }
        }
      }
    }
    if (const auto& scrub = root["scrub"]) {
      ExpectMap(scrub, "scrub", {"interval", "every", "pools", "source_pools"});
      if (scrub["interval"]) c.scrub_interval_seconds = Duration(scrub["interval"], "interval");
      if (scrub["every"]) c.scrub_every_seconds = Duration(scrub["every"], "every");
      if (scrub["source_pools"]) c.scrub_source_pools = Bool(scrub["source_pools"], "source_pools");
      if (const auto& pools = scrub["pools"]) {
        if (!pools.IsSequence()) Error(pools, "pools", "expected a list of pool names");
        for (const auto& p : pools) {
          std::string name = String(p, "pools");
          if (!core::ValidateDatasetName(name) || name.find('/') != std::string::npos) {
            Error(p, "pools", "invalid pool name '" + name + "'");
          }
          c.scrub_pools.push_back(name);
        }
      }
    }
    if (root["parallelism"]) c.parallelism = static_cast<int>(Int(root["parallelism"], "parallelism", 1, 64));
    if (root["command_timeout"]) c.command_timeout_seconds = Duration(root["command_timeout"], "command_timeout");
    if (root["listen"]) c.listen = String(root["listen"], "listen");
    if (root["lock_directory"]) {
      c.lock_directory = String(root["lock_directory"], "lock_directory");
      if (c.lock_directory.empty() || c.lock_directory[0] != '/') {
        Error(root["lock_directory"], "lock_directory", "must be an absolute path");
      }
    }
    if (root["cache_directory"]) {
      c.cache_directory = String(root["cache_directory"], "cache_directory");
      if (c.cache_directory.empty() || c.cache_directory[0] != '/') {
        Error(root["cache_directory"], "cache_directory", "must be an absolute path");
      }
    }
    c.control_socket = c.lock_directory + "/control.sock";
    if (root["control_socket"]) {
      c.control_socket = String(root["control_socket"], "control_socket");
      if (c.control_socket.empty() || c.control_socket[0] != '/') {
        Error(root["control_socket"], "control_socket", "must be an absolute path");
      }
    }
    if (root["zfs_command"]) c.zfs_command = Command(root["zfs_command"], "zfs_command");
    if (root["zpool_command"]) c.zpool_command = Command(root["zpool_command"], "zpool_command");
    replicate::RetentionPolicy retention;
    if (root["retention"]) retention = Retention(root["retention"], "retention");
    std::optional<replicate::RetentionPolicy> source_retention = replicate::RetentionPolicy{};
    if (root["source_retention"]) source_retention = SourceRetention(root["source_retention"]);

    DrillConfig drill;
    if (root["drill"]) drill = Drill(root["drill"], "drill");
    const ReplicationOptions options = Options(root, ReplicationOptions{});
    const HooksConfig hooks = root["hooks"] ? Hooks(root["hooks"]) : HooksConfig{};
    if (root["total_bandwidth_limit"]) {
      c.total_bandwidth_limit = Rate(root["total_bandwidth_limit"], "total_bandwidth_limit");
    }

    Sources(root, c);
    const YAML::Node& datasets = root["datasets"];
    if (!datasets) Error(root, "datasets", "missing (a list of datasets to replicate)");
    if (!datasets.IsSequence()) Error(datasets, "datasets", "expected a list");
    for (const auto& d : datasets) {
      c.datasets.push_back(Dataset(d, c, retention, source_retention, drill, options, hooks, c.warnings));
      CheckDestination(d["destination"], c);
    }
    // One host holding every slot is what per-host slots are there to prevent.
    for (const auto& s : c.sources) {
      if (c.sources.size() > 1 && s.parallelism && *s.parallelism >= c.parallelism) {
        c.warnings.push_back(path_ + ": source '" + s.name + "': parallelism " + std::to_string(*s.parallelism) +
                             " lets it hold every replication slot (parallelism " + std::to_string(c.parallelism) +
                             "): a hung host would stall the others");
      }
    }
    return c;
  }

  // sources: [...], names unique.
  void Sources(const YAML::Node& root, Config& c) const {
    const YAML::Node& sources = root["sources"];
    if (!sources) Error(root, "sources", "missing (a list of source hosts)");
    if (!sources.IsSequence()) Error(sources, "sources", "expected a list");
    std::set<std::string> names;
    for (const auto& s : sources) {
      c.sources.push_back(Source(s));
      if (!names.insert(c.sources.back().name).second) {
        Error(s["name"], "name", "duplicate source name '" + c.sources.back().name + "'");
      }
    }
  }

  // The newest dataset's destination is neither another's nor nested in or
  // around one (each destination is received and locked on its own).
  void CheckDestination(const YAML::Node& node, const Config& c) const {
    const std::string& dst = c.datasets.back().destination.str();
    std::set<std::string> earlier;  // sorted: the error names the first in name order
    for (std::size_t i = 0; i + 1 < c.datasets.size(); ++i) earlier.insert(c.datasets[i].destination.str());
    for (const std::string& other : earlier) {
      if (other == dst) Error(node, "destination", "duplicate destination '" + dst + "'");
      if (dst.starts_with(other + "/") || other.starts_with(dst + "/")) {
        Error(node, "destination", "'" + dst + "' is nested in or contains destination '" + other + "'");
      }
    }
  }
};

}  // namespace

const SourceConfig& Config::SourceOf(const DatasetConfig& d) const {
  for (const auto& s : sources) {
    if (s.name == d.source) return s;
  }
  throw std::logic_error("dataset refers to unknown source " + d.source);  // validated at load
}

std::optional<std::int64_t> ParseDuration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::int64_t total = 0;
  std::size_t i = 0;
  bool any = false;
  while (i < text.size()) {
    std::int64_t n = 0;
    std::size_t digits = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      n = n * 10 + (text[i++] - '0');
      if (++digits > 12) return std::nullopt;
    }
    if (digits == 0) return std::nullopt;
    std::int64_t unit = 1;
    if (i < text.size()) {
      switch (text[i++]) {
        case 's': unit = 1; break;
        case 'm': unit = 60; break;
        case 'h': unit = 3600; break;
        case 'd': unit = 86400; break;
        case 'w': unit = 7 * 86400; break;
        default: return std::nullopt;
      }
    } else if (any) {
      return std::nullopt;  // "1h30" is ambiguous
    }
    total += n * unit;
    any = true;
  }
  return total;
}

core::Result<Config> ParseConfig(const std::string& text, const std::string& path, const std::string& hostname) {
  try {
    return Parser(path).Parse(LoadYaml(text, path), hostname);
  } catch (const YamlError& e) {
    return core::Fail(Reason::kConfig, e.message);
  } catch (const YAML::Exception& e) {
    return core::Fail(Reason::kConfig, WhereAndWhat(path, e));
  }
}

core::Result<Config> LoadConfig(const std::string& path, const std::string& hostname) {
  auto cannot = [&path](int err) {
    return core::Fail(Reason::kConfig, path + ": cannot read the configuration file: " + std::strerror(err));
  };
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return cannot(errno);
  std::string text;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return cannot(err);  // EISDIR for a directory
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return ParseConfig(text, path, hostname);
}

int SourceSlots(const Config& config, const SourceConfig& source) {
  if (source.parallelism) return *source.parallelism;
  if (config.sources.size() <= 1) return config.parallelism;
  return std::max(1, config.parallelism / 2);
}

}  // namespace zpull::config
