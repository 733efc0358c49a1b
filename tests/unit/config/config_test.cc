#include "config/config.h"

#include <gtest/gtest.h>

namespace zpull::config {
namespace {

const char* kGood = R"(
snapshot_prefix: zpull_backup1
interval: 15m
parity: {interval: 2m}
scrub: {interval: 10m, every: 30d, pools: [backup, other], source_pools: true}
parallelism: 3
listen: 127.0.0.1:9999
retention:
  keep_last: 5
  max_age: 30d
  grid: {hourly: 24, daily: 14, weekly: 8, monthly: 12}
sources:
  - name: web1
    host: 192.0.2.10
    port: 2222
    user: backup
    identity_file: /etc/zpull/id
    known_hosts: /etc/zpull/known_hosts
    zfs_command: [sudo, -n, zfs]
  - name: here
    host: local
datasets:
  - source: web1
    source_dataset: tank/home
    destination: backup/web1/home
  - source: here
    source_dataset: tank/with space
    destination: backup/local
    interval: 1h
    initial: all
    force: true
    retention: {keep_last: 2}
    source_retention: {max_age: 2d}
    drill: {every: 7d, sample_files: 5, max_bytes: 1G, source_clone: false, directory: /srv/drills}
)";

Config MustParse(const std::string& text) {
  auto c = ParseConfig(text, "zpull.yml", "bk");
  EXPECT_TRUE(c) << (c ? "" : c.error().message);
  return c ? *c : Config{};
}

std::string ErrorOf(const std::string& text) {
  auto c = ParseConfig(text, "zpull.yml", "bk");
  EXPECT_FALSE(c) << "accepted:\n" << text;
  return c ? "" : c.error().message;
}

TEST(Config, ParsesEverything) {
  Config c = MustParse(kGood);
  EXPECT_EQ(c.snapshot_prefix, "zpull_backup1");
  EXPECT_EQ(c.interval_seconds, 900);
  EXPECT_EQ(c.parity_interval_seconds, 120);
  EXPECT_EQ(c.scrub_interval_seconds, 600);
  EXPECT_EQ(c.scrub_every_seconds, 30 * 86400);
  EXPECT_EQ(c.scrub_pools, (std::vector<std::string>{"backup", "other"}));
  EXPECT_TRUE(c.scrub_source_pools);
  EXPECT_EQ(c.parallelism, 3);
  EXPECT_EQ(c.listen, "127.0.0.1:9999");
  ASSERT_EQ(c.sources.size(), 2u);
  EXPECT_EQ(c.sources[0].port, 2222);
  EXPECT_EQ(c.sources[0].zfs_command, (core::Argv{"sudo", "-n", "zfs"}));
  EXPECT_TRUE(c.sources[1].IsLocal());
  ASSERT_EQ(c.datasets.size(), 2u);
  const auto& d0 = c.datasets[0];
  EXPECT_EQ(d0.interval_seconds, 900);
  EXPECT_EQ(d0.retention.keep_last, 5);
  EXPECT_EQ(d0.retention.max_age_seconds, 30 * 86400);
  EXPECT_EQ(d0.retention.grid.size(), 4u);
  // Pruned by default: zpull's own source snapshots older than the newest common one.
  ASSERT_TRUE(d0.source_retention);
  EXPECT_FALSE(d0.source_retention->HasRules());
  EXPECT_FALSE(d0.force);
  const auto& d1 = c.datasets[1];
  EXPECT_EQ(d1.source_dataset.str(), "tank/with space");
  EXPECT_EQ(d1.interval_seconds, 3600);
  EXPECT_EQ(d1.initial, replicate::InitialMode::kAll);
  EXPECT_TRUE(d1.force);
  EXPECT_EQ(d1.retention.keep_last, 2);
  EXPECT_FALSE(d1.retention.max_age_seconds);
  ASSERT_TRUE(d1.source_retention);
  EXPECT_EQ(d1.source_retention->max_age_seconds, 2 * 86400);
  EXPECT_EQ(d1.drill.every, 7 * 86400);
  EXPECT_EQ(d1.drill.sample_files, 5u);
  EXPECT_EQ(d1.drill.max_bytes, 1ull << 30);
  EXPECT_FALSE(d1.drill.source_clone);
  EXPECT_EQ(d1.drill.directory, "/srv/drills");
  EXPECT_FALSE(d0.drill.every);  // no global drill: on demand only
  EXPECT_EQ(d0.drill.sample_files, 20u);
}

TEST(Config, ReplicationOptionsDefaultAtTopAndOverridePerDataset) {
  auto c = ParseConfig(
      "sources: [{name: s, host: local}]\n"
      "stall_timeout: 5m\nretries: 1\nbandwidth_limit: 20M/s\ntotal_bandwidth_limit: 1G\n"
      "send: {compressed: false, properties: true}\n"
      "datasets:\n"
      "  - {source: s, source_dataset: tank/a, destination: backup/a}\n"
      "  - {source: s, source_dataset: tank/b, destination: backup/b, retries: 5, readonly: false,\n"
      "     rollback_destination: true, force_on_divergence: true, bookmarks: false, transfer_timeout: 2h,\n"
      "     send: {decrypted: true}}\n",
      "f.yml", "h");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->total_bandwidth_limit, 1ull << 30);
  const auto& a = c->datasets[0].options;
  EXPECT_EQ(a.transfer.stall_timeout, std::chrono::minutes(5));
  EXPECT_EQ(a.transfer.retries, 1);
  EXPECT_EQ(a.transfer.total_timeout.count(), 0);
  EXPECT_EQ(a.bandwidth_limit, 20ull << 20);
  EXPECT_FALSE(a.send.compressed);
  EXPECT_TRUE(a.send.properties);
  EXPECT_TRUE(a.readonly);
  EXPECT_FALSE(a.rollback_destination);
  EXPECT_FALSE(a.force_on_divergence);
  EXPECT_TRUE(a.bookmarks);
  const auto& b = c->datasets[1].options;
  EXPECT_EQ(b.transfer.retries, 5);
  EXPECT_EQ(b.transfer.total_timeout, std::chrono::hours(2));
  EXPECT_FALSE(b.readonly);
  EXPECT_TRUE(b.rollback_destination);
  EXPECT_TRUE(b.force_on_divergence);
  EXPECT_FALSE(b.bookmarks);
  // A per-dataset send: block replaces the keys it names only.
  EXPECT_TRUE(b.send.send_decrypted);
  EXPECT_FALSE(b.send.compressed);
  EXPECT_EQ(ErrorOf("sources: []\ndatasets: []\nbandwidth_limit: fast\n"),
            "zpull.yml:3:18: 'bandwidth_limit': expected bytes per second such as 20M or 1.5G (optionally with /s)");
  EXPECT_EQ(ErrorOf("sources: []\ndatasets: []\nsend: {raw: true}\n"),
            "zpull.yml:3:8: 'raw': unknown key (expected one of: compressed, large_blocks, embedded, properties, "
            "decrypted)");
}

TEST(Config, HooksDefaultAtTopAndAreReplacedPerDataset) {
  auto c = ParseConfig(
      "sources: [{name: s, host: local}]\n"
      "hooks: {pre_snapshot: {command: [/bin/flush, -q], timeout: 10s, on: source}}\n"
      "datasets:\n"
      "  - {source: s, source_dataset: tank/a, destination: backup/a}\n"
      "  - {source: s, source_dataset: tank/b, destination: backup/b, hooks: {post_replication: {command: [notify]}}}\n",
      "f.yml", "h");
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_TRUE(c->datasets[0].hooks.pre_snapshot);
  EXPECT_EQ(*c->datasets[0].hooks.pre_snapshot, (HookConfig{{"/bin/flush", "-q"}, 10, true}));
  EXPECT_FALSE(c->datasets[1].hooks.pre_snapshot);
  EXPECT_EQ(*c->datasets[1].hooks.post_replication, (HookConfig{{"notify"}, 60, false}));
  EXPECT_EQ(ErrorOf("sources: []\ndatasets: []\nhooks: {pre_snapshot: {timeout: 5s}}\n"),
            "zpull.yml:3:23: 'command': missing (the hook's argv, e.g. [/usr/local/bin/flush-db, --quiet])");
  EXPECT_EQ(ErrorOf("sources: []\ndatasets: []\nhooks: {pre_snapshot: {command: [x], on: moon}}\n"),
            "zpull.yml:3:42: 'on': expected 'local' or 'source', got 'moon'");
}

TEST(Config, RecursiveEntriesSelectChildren) {
  auto c = ParseConfig(
      "sources: [{name: s, host: local}]\n"
      "datasets:\n"
      "  - {source: s, source_dataset: tank/a, destination: backup/a}\n"
      "  - {source: s, source_dataset: tank/vm, destination: backup/vm, recursive: true}\n"
      "  - source: s\n"
      "    source_dataset: tank/home\n"
      "    destination: backup/home\n"
      "    recursive: true\n"
      "    children: {include: ['user-*'], exclude: ['*/cache'], property: site:backup}\n",
      "f.yml", "h");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_FALSE(c->datasets[0].recursive);
  EXPECT_TRUE(c->datasets[1].recursive);
  EXPECT_EQ(c->datasets[1].children, replicate::ChildSelection{});  // zpull:backup, all children
  EXPECT_EQ(c->datasets[1].children.property, "zpull:backup");
  EXPECT_EQ(c->datasets[2].children, (replicate::ChildSelection{{"user-*"}, {"*/cache"}, "site:backup"}));
  EXPECT_EQ(ErrorOf("sources: [{name: s, host: local}]\n"
                    "datasets: [{source: s, source_dataset: t/a, destination: b/a, children: {include: [x]}}]\n"),
            "zpull.yml:2:73: 'children': only with 'recursive: true'");
  EXPECT_EQ(ErrorOf("sources: [{name: s, host: local}]\n"
                    "datasets: [{source: s, source_dataset: t/a, destination: b/a, recursive: true, children: {property: backup}}]\n"),
            "zpull.yml:2:101: 'property': 'backup' is not a user property (module:name, e.g. zpull:backup)");
  EXPECT_EQ(ErrorOf("sources: [{name: s, host: local}]\n"
                    "datasets: [{source: s, source_dataset: t/a, destination: b/a, recursive: true, children: {exclude: ['@x']}}]\n"),
            "zpull.yml:2:101: 'exclude': '@x' is not a dataset path pattern (relative to the root, no '@')");
  auto none = ParseConfig(
      "sources: [{name: s, host: local}]\n"
      "datasets: [{source: s, source_dataset: t/a, destination: b/a, recursive: true, children: {property: ''}}]\n",
      "f.yml", "h");
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_EQ(none->datasets[0].children.property, "");
}

TEST(Config, DefaultPrefixNamesTheBackupHost) {
  auto c = ParseConfig("sources: []\ndatasets: []\n", "f.yml", "backup host!");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->snapshot_prefix, "zpull_backup_host_");
}

TEST(Config, OldDatasetKeyLoadsWithAWarningNamingTheLine) {
  auto c = ParseConfig(
      "sources: [{name: s, host: local}]\n"
      "datasets:\n"
      "  - {source: s, source_dataset: tank/a, destination: backup/a}\n"
      "  - {source: s, dataset: tank/b, destination: backup/b}\n",
      "f.yml", "h");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->datasets[1].source_dataset.str(), "tank/b");
  EXPECT_EQ(c->warnings,
            (std::vector<std::string>{
                "f.yml:4:26: 'dataset': deprecated, rename it to 'source_dataset' (the dataset on the source)"}));
  EXPECT_EQ(ErrorOf("sources: [{name: s, host: local}]\n"
                    "datasets: [{source: s, dataset: t/a, source_dataset: t/b, destination: b/a}]\n"),
            "zpull.yml:2:33: 'dataset': the old name of 'source_dataset': give one of them");
  EXPECT_EQ(ErrorOf("sources: [{name: s, host: local}]\ndatasets: [{source: s, destination: b/a}]\n"),
            "zpull.yml:2:12: 'source_dataset': missing");
}

TEST(Config, DefaultPrefixOfAnEmptyHostnameIsNotBareZpull) {
  // "zpull_" alone would claim every backup host's snapshots as this one's.
  auto c = ParseConfig("sources: []\ndatasets: []\n", "f.yml", "");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->snapshot_prefix, "zpull_host");
}

TEST(Config, MetricDetailGroups) {
  auto c = ParseConfig("metrics: {detail: [histograms, drill_outcomes]}\nsources: []\ndatasets: []\n", "f.yml", "h");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_TRUE(c->metrics_detail.histograms);
  EXPECT_TRUE(c->metrics_detail.drill_outcomes);
  EXPECT_FALSE(c->metrics_detail.zero_counters);
  EXPECT_EQ(ErrorOf("metrics: {detail: [histogram]}\nsources: []\ndatasets: []\n"),
            "zpull.yml:1:20: 'detail': unknown metric group 'histogram' (known: histograms, drill_outcomes, "
            "drill_details, inventory, zero_counters)");
}

TEST(Config, ErrorsNameFileLineColumnAndKey) {
  EXPECT_EQ(ErrorOf("sources: []\ndatasets: []\nintervall: 5m\n"),
            "zpull.yml:3:1: 'intervall': unknown key (expected one of: snapshot_prefix, interval, parallelism, command_timeout, "
            "listen, zfs_command, retention, source_retention, parity, scrub, drill, zpool_command, lock_directory, cache_directory, "
            "control_socket, total_bandwidth_limit, hooks, metrics, notify, sources, datasets, stall_timeout, transfer_timeout, retries, retry_backoff, "
            "bandwidth_limit, readonly, rollback_destination, force_on_divergence, bookmarks, send, compress, "
            "receive, snapshots)");
  EXPECT_EQ(ErrorOf("sources: []\ndatasets: []\nretries: 0\nretries: 1\n"), "zpull.yml:4:1: 'retries': duplicate key");
  EXPECT_EQ(ErrorOf("sources: []\ndatasets: []\nparallelism: many\n"),
            "zpull.yml:3:14: 'parallelism': expected an integer, got 'many'");
  EXPECT_EQ(ErrorOf("sources: []\ndatasets: []\ninterval: 5 minutes\n"),
            "zpull.yml:3:11: 'interval': invalid duration '5 minutes' (use e.g. 90s, 15m, 1h30m, 30d, 2w)");
}

TEST(Config, SourcePruningIsTheDefaultAndPruneFalseTurnsItOff) {
  const std::string head = "sources: [{name: s, host: local}]\n";
  Config off = MustParse(head + "source_retention: {prune: false}\n"
                                "datasets:\n"
                                "  - {source: s, source_dataset: tank/a, destination: b/a}\n"
                                "  - {source: s, source_dataset: tank/b, destination: b/b, source_retention: {keep_last: 3}}\n"
                                "  - {source: s, source_dataset: tank/c, destination: b/c, source_retention: {}}\n");
  EXPECT_FALSE(off.datasets[0].source_retention);
  ASSERT_TRUE(off.datasets[1].source_retention);
  EXPECT_EQ(off.datasets[1].source_retention->keep_last, 3);
  ASSERT_TRUE(off.datasets[2].source_retention);
  EXPECT_FALSE(off.datasets[2].source_retention->HasRules());
  EXPECT_EQ(ErrorOf(head + "datasets: []\nsource_retention: {prune: true}\n"),
            "zpull.yml:3:27: 'prune': only 'prune: false' is meaningful (pruning is the default)");
  EXPECT_NE(ErrorOf(head + "datasets: []\nsource_retention: {prune: false, keep_last: 2}\n").find("give one or the other"),
            std::string::npos);
  // Accepted under source_retention only.
  EXPECT_NE(ErrorOf(head + "datasets: []\nretention: {prune: false}\n").find("'prune': unknown key"), std::string::npos);
}

TEST(Config, RejectsBadDatasetNames) {
  std::string text =
      "sources: [{name: s, host: local}]\n"
      "datasets:\n"
      "  - {source: s, source_dataset: tank/../etc, destination: b/x}\n";
  EXPECT_EQ(ErrorOf(text), "zpull.yml:3:33: 'source_dataset': dataset name 'tank/../etc': component '..' is not allowed");
  std::string text2 =
      "sources: [{name: s, host: local}]\n"
      "datasets:\n"
      "  - {source: s, source_dataset: tank/a, destination: \"b/x;rm\"}\n";
  EXPECT_NE(ErrorOf(text2).find("invalid character ';'"), std::string::npos);
}

TEST(Config, RejectsDuplicateAndNestedDestinations) {
  std::string dup =
      "sources: [{name: s, host: local}]\n"
      "datasets:\n"
      "  - {source: s, source_dataset: tank/a, destination: b/x}\n"
      "  - {source: s, source_dataset: tank/b, destination: b/x}\n";
  EXPECT_EQ(ErrorOf(dup), "zpull.yml:4:54: 'destination': duplicate destination 'b/x'");
  std::string nested =
      "sources: [{name: s, host: local}]\n"
      "datasets:\n"
      "  - {source: s, source_dataset: tank/a, destination: b/x}\n"
      "  - {source: s, source_dataset: tank/b, destination: b/x/y}\n";
  EXPECT_NE(ErrorOf(nested).find("nested"), std::string::npos);
}

TEST(Config, RejectsUnknownSourceAndMissingKeys) {
  EXPECT_NE(ErrorOf("sources: []\ndatasets:\n  - {source: nope, source_dataset: a/b, destination: c/d}\n")
                .find("no source named 'nope'"),
            std::string::npos);
  EXPECT_NE(ErrorOf("sources: []\ndatasets:\n  - {source: nope, source_dataset: a/b}\n").find("'destination': missing"),
            std::string::npos);
  EXPECT_NE(ErrorOf("sources: [{name: s, host: h.example, identity_file: /k}]\ndatasets: []\n")
                .find("'known_hosts': missing for SSH source 's' (host keys are always verified)"),
            std::string::npos);
  EXPECT_NE(ErrorOf("sources: [{name: s, host: local}, {name: s, host: local}]\ndatasets: []\n")
                .find("duplicate source name"),
            std::string::npos);
}

TEST(Config, RejectsWrongTypesInside) {
  EXPECT_NE(ErrorOf("sources: [{name: s, host: local, port: 70000}]\ndatasets: []\n").find("between 1 and 65535"),
            std::string::npos);
  EXPECT_NE(ErrorOf("sources: [{name: s, host: local, zfs_command: zfs}]\ndatasets: []\n")
                .find("expected a non-empty list"),
            std::string::npos);
  EXPECT_NE(ErrorOf("sources: []\ndatasets: []\nretention: {grid: {minutely: 5}}\n").find("'minutely': unknown key"),
            std::string::npos);
  EXPECT_NE(ErrorOf("sources: {}\ndatasets: []\n").find("'sources': expected a list"), std::string::npos);
  EXPECT_NE(ErrorOf("sources: [\n").find("zpull.yml:"), std::string::npos);
  EXPECT_NE(ErrorOf("").find("empty"), std::string::npos);
}

TEST(Config, MissingFile) {
  auto c = LoadConfig("/nonexistent/zpull.yml", "h");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message, "/nonexistent/zpull.yml: cannot read the configuration file: No such file or directory");
  c = LoadConfig("/", "h");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message, "/: cannot read the configuration file: Is a directory");
}

TEST(Config, SyntaxErrorsArePlainSentences) {
  EXPECT_EQ(ErrorOf("sources: []\ndatasets:\n  - source: a\n    source_dataset: t/a\n   destination: b/a\n"),
            "zpull.yml:5:4: this line's indentation does not match the list above it (the '- ' items of one list "
            "start in the same column)");
  EXPECT_EQ(ErrorOf("sources: []\nlisten: [1, 2\ndatasets: []\n"),
            "zpull.yml:3:9: a '[' opened before here is not closed with ']'");
  EXPECT_EQ(ErrorOf("interval: 5m\n parallelism: 2\n"),
            "zpull.yml:2:13: a ':' where no value can start: this line is indented more than the keys around it (or "
            "with a tab), or a value containing ': ' is not in quotes");
  EXPECT_EQ(ErrorOf("snapshot_prefix: \"a\\qb\"\n"),
            "zpull.yml:1:22: an unknown escape '\\q' in a double-quoted value: write \\\\ for a backslash, or use "
            "single quotes");
}

TEST(ParseDuration, Forms) {
  EXPECT_EQ(ParseDuration("90"), 90);
  EXPECT_EQ(ParseDuration("90s"), 90);
  EXPECT_EQ(ParseDuration("15m"), 900);
  EXPECT_EQ(ParseDuration("1h30m"), 5400);
  EXPECT_EQ(ParseDuration("30d"), 30 * 86400);
  EXPECT_EQ(ParseDuration("2w"), 14 * 86400);
  EXPECT_FALSE(ParseDuration(""));
  EXPECT_FALSE(ParseDuration("1h30"));
  EXPECT_FALSE(ParseDuration("m"));
  EXPECT_FALSE(ParseDuration("5 m"));
  EXPECT_FALSE(ParseDuration("-5m"));
}

}  // namespace
}  // namespace zpull::config

namespace zpull::config {
namespace {

TEST(Config, ShippedExampleIsValid) {
  auto c = LoadConfig(std::string(ZPULL_SOURCE_DIR) + "/deploy/zpull.example.yml", "bk");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->datasets.size(), 2u);
  EXPECT_EQ(c->datasets[0].retention.grid.size(), 4u);
}

}  // namespace
}  // namespace zpull::config

namespace zpull::config {
namespace {

TEST(Config, CommandTimeoutAndPerHostSlots) {
  const std::string two = R"(
parallelism: 4
command_timeout: 2s
sources:
  - {name: a, host: local, command_timeout: 90s, parallelism: 3}
  - {name: b, host: local}
datasets:
  - {source: a, source_dataset: tank/x, destination: backup/x}
)";
  Config c = MustParse(two);
  EXPECT_EQ(c.command_timeout_seconds, 2);
  EXPECT_EQ(c.sources[0].command_timeout_seconds, 90);
  EXPECT_EQ(c.sources[1].command_timeout_seconds, 600) << "default 10m";
  EXPECT_EQ(SourceSlots(c, c.sources[0]), 3) << "its own";
  EXPECT_EQ(SourceSlots(c, c.sources[1]), 2) << "half the global with more than one host";
  c.parallelism = 1;
  EXPECT_EQ(SourceSlots(c, c.sources[1]), 1) << "at least one";
  c.sources.pop_back();
  c.sources[0].parallelism.reset();
  c.parallelism = 4;
  EXPECT_EQ(SourceSlots(c, c.sources[0]), 4) << "the only host may use them all";
  EXPECT_EQ(MustParse("sources: []\ndatasets: []\n").command_timeout_seconds, 600);
  EXPECT_NE(ErrorOf("command_timeout: 0s\nsources: []\ndatasets: []\n").find("'command_timeout': invalid duration '0s'"),
            std::string::npos);
  EXPECT_NE(ErrorOf("sources: [{name: a, host: local, parallelism: 0}]\ndatasets: []\n").find("parallelism"),
            std::string::npos);
}

}  // namespace
}  // namespace zpull::config

namespace zpull::config {
namespace {

TEST(Config, NotifyWebhooksPingAndAPerDatasetOverride) {
  auto c = ParseConfig(
      "notify:\n  webhooks: [{url: 'https://hooks.example/T0KEN', after_failures: 2}]\n"
      "  healthcheck_url: http://10.0.0.1/ping\n  healthcheck_interval: 1m\n  timeout: 5s\n"
      "sources: [{name: here, host: local}]\n"
      "datasets:\n  - {source: here, source_dataset: tank/a, destination: backup/a}\n"
      "  - {source: here, source_dataset: tank/b, destination: backup/b, notify: {webhooks: []}}\n",
      "zpull.yml", "bk");
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_EQ(c->notify.webhooks.size(), 1u);
  EXPECT_EQ(c->notify.webhooks[0].after_failures, 2);
  EXPECT_EQ(c->notify.healthcheck_interval_seconds, 60);
  EXPECT_EQ(c->notify.timeout_seconds, 5);
  EXPECT_FALSE(c->datasets[0].webhooks);
  ASSERT_TRUE(c->datasets[1].webhooks);
  EXPECT_TRUE(c->datasets[1].webhooks->empty());
  ASSERT_EQ(c->warnings.size(), 1u);
  EXPECT_NE(c->warnings[0].find("'healthcheck_url': http:// sends in plain text"), std::string::npos) << c->warnings[0];
  auto bad = ParseConfig("notify: {webhooks: [{url: 'ftp://x/y'}]}\nsources: []\ndatasets: []\n", "zpull.yml", "bk");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("expected an https:// URL"), std::string::npos) << bad.error().message;
}

}  // namespace
}  // namespace zpull::config
