// Control plane at scale (issue 10 §3), one measurement per process so that
// peak RSS belongs to that measurement alone:
//
//   zpull-bench-control-plane generate DIR --datasets N --snapshots M
//       writes DIR/source.get, DIR/destination.get (what `zfs get -Hp -r -d 1
//       guid,createtxg,creation,userrefs` prints on each host, in the order
//       OpenZFS and zfs-fuse list: by name, a dataset's snapshots by createtxg)
//       and DIR/destination.written.
//   ... read DIR      the reference: the same commands' output read and dropped
//   ... parity DIR    RunParityPass, the daemon's parity pass
//   ... full DIR      one merged pass that plans replication and computes
//                     parity for every dataset (listing, parsing, planning,
//                     parity)
//   ... metrics --datasets N [--detail all|G,G] [--gzip]   /metrics with N
//                     datasets' worth of every per-dataset family the daemon
//                     exports, streamed as the HTTP handler streams it
//   ... daemon --datasets N [--seconds S]   `zpull run`'s Daemon on
//                     in-memory hosts, idle (DaemonIdle below)
//   ... cycle --datasets N [--snapshots M]   a no-op `zpull once` over a
//                     replicated recursive entry of N children (NoOpCycle),
//                     every command counted (commands_source=, ...)
//
// The hosts are served by a runner that answers each listing with `cat FILE`
// from a child process, so that process's CPU and memory are not counted.
// Prints `key=value` lines: seconds, cpu_seconds (own), peak_rss_kib,
// list_commands_source, list_commands_destination, datasets, bytes.

#include <malloc.h>
#include <unistd.h>
#include <sys/resource.h>
#include <stdlib.h>

#include <algorithm>
#include <limits>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>
#include <optional>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include "checks/parity.h"
#include "config/config.h"
#include "daemon/daemon.h"
#include "daemon/hosts.h"
#include "daemon/once.h"
#include "daemon/run_loop.h"
#include "checks/parity_check.h"
#include "core/feature_cache.h"
#include "core/local_runner.h"
#include "core/shell_quote.h"
#include "core/zfs_cli.h"
#include "exporter/check_metrics.h"
#include "exporter/feature_metrics.h"
#include "exporter/gzip.h"
#include "exporter/inventory_metrics.h"
#include "exporter/replication_metrics.h"
#include "replicate/plan.h"
#include "replicate/snapshot_filter.h"
#include "tests/support/fake_zfs.h"
#include "tests/support/file_runner.h"

namespace {

using namespace zpull;

constexpr std::int64_t kNow = 1795790000;  // 2026-11-27
constexpr std::string_view kListProps = test::FileRunner::kListProps;

std::string SourceName(std::size_t i) {
  char b[64];
  std::snprintf(b, sizeof b, "tank/data/ds%06zu", i);
  return b;
}
std::string DestinationName(std::size_t i) {
  char b[64];
  std::snprintf(b, sizeof b, "backup/src1/data/ds%06zu", i);
  return b;
}
std::string SnapName(std::int64_t t) {
  char b[64];
  std::time_t tt = t;
  std::tm tm{};
  gmtime_r(&tt, &tm);
  std::strftime(b, sizeof b, "zpull_%Y-%m-%dT%H:%M:%SZ", &tm);
  return b;
}

// With the parity pass's space properties (`used` on every line's dataset
// or snapshot, `usedbysnapshots` "-" on snapshots), as zfs prints them.
void Lines(std::FILE* f, const std::string& name, std::uint64_t guid, std::uint64_t txg, std::int64_t creation,
           const char* userrefs) {
  const bool snapshot = name.find('@') != std::string::npos;
  std::fprintf(f,
               "%s\tguid\t%llu\t-\n%s\tcreatetxg\t%llu\t-\n%s\tcreation\t%lld\t-\n%s\tuserrefs\t%s\t-\n"
               "%s\tused\t%s\t-\n%s\tusedbysnapshots\t%s\t-\n",
               name.c_str(), static_cast<unsigned long long>(guid), name.c_str(),
               static_cast<unsigned long long>(txg), name.c_str(), static_cast<long long>(creation), name.c_str(),
               userrefs, name.c_str(), snapshot ? "131072" : "1073741824", name.c_str(), snapshot ? "-" : "104857600");
}

// Hourly snapshots; the destination has all but the newest (one cycle
// behind), so every dataset plans one incremental send.
int Generate(const std::string& dir, std::size_t datasets, std::size_t snapshots) {
  std::FILE* src = std::fopen((dir + "/source.get").c_str(), "w");
  std::FILE* dst = std::fopen((dir + "/destination.get").c_str(), "w");
  std::FILE* wr = std::fopen((dir + "/destination.written").c_str(), "w");
  if (!src || !dst || !wr) {
    std::perror("generate");
    return 1;
  }
  std::mt19937_64 rng(42);
  // Names sort as zfs prints them: every ds%06zu sorts in index order on
  // both hosts.
  for (std::size_t i = 0; i < datasets; ++i) {
    const std::string s = SourceName(i), d = DestinationName(i);
    Lines(src, s, rng(), 100, kNow - 400 * 86400, "-");
    Lines(dst, d, rng(), 100, kNow - 300 * 86400, "-");
    std::uint64_t txg = 1000 + i, dtxg = 2000 + i;
    for (std::size_t k = 0; k < snapshots; ++k) {
      const std::int64_t t = kNow - static_cast<std::int64_t>(snapshots - k) * 3600;
      const std::uint64_t guid = rng();
      const bool newest = k + 1 == snapshots;
      Lines(src, s + "@" + SnapName(t), guid, txg += 7, t, newest ? "1" : "0");
      if (!newest) Lines(dst, d + "@" + SnapName(t), guid, dtxg += 3, t + 60, k + 2 == snapshots ? "1" : "0");
    }
    std::fprintf(wr, "%s\twritten\t0\t-\n", d.c_str());
  }
  std::fclose(src);
  std::fclose(dst);
  std::fclose(wr);
  return 0;
}

std::vector<checks::ParityTarget> Targets(std::size_t n) {
  replicate::RetentionPolicy keep;
  keep.grid = {{replicate::GridPeriod::kHour, 48}, {replicate::GridPeriod::kDay, 30}};
  std::vector<checks::ParityTarget> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back({DestinationName(i), core::DatasetName::Parse(SourceName(i)).value(),
                   core::DatasetName::Parse(DestinationName(i)).value(), keep, "zpull", {}});
  }
  return out;
}

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

long PeakRssKib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("VmHWM:")) return std::stol(line.substr(6));
  }
  return -1;
}

std::size_t Count(const std::string& dir) {
  std::ifstream in(dir + "/destination.written");
  std::size_t n = 0;
  std::string line;
  while (std::getline(in, line)) ++n;
  return n;
}

int Pass(const std::string& mode, const std::string& dir) {
  const std::size_t n = Count(dir);
  test::FileRunner src_runner("src1", dir + "/source.get", "");
  test::FileRunner dst_runner("local", dir + "/destination.get", dir + "/destination.written");
  core::ZfsCli src(src_runner), dst(dst_runner);
  const auto targets = Targets(n);
  const double cpu0 = CpuSeconds();
  const auto t0 = std::chrono::steady_clock::now();
  std::size_t ok = 0, work = 0;
  if (mode == "read") {
    // The reference: both listings read to the end and dropped.
    for (auto* runner : {&src_runner, &dst_runner}) {
      auto p = runner->Start({"zfs", "get", std::string(kListProps)});
      if (!p) return 2;
      (*p)->CloseStdin();
      std::vector<char> buf(256 * 1024);
      for (;;) {
        auto r = (*p)->Read(buf);
        if (!r) return 2;
        if (*r == 0) break;
        work += *r;
      }
      (void)(*p)->Wait();
    }
    ok = n;
  } else if (mode == "parity") {
    auto results = checks::RunParityPass(src, dst, targets, kNow, true);
    for (const auto& r : results) {
      if (!r.report) {
        std::cerr << r.dataset << ": " << r.report.error().message << "\n";
        return 1;
      }
      ok += 1;
      work += r.report->not_replicated;
    }
  } else {
    std::vector<core::DatasetName> sf, df;
    std::vector<std::pair<std::string, std::string>> pairs;
    for (const auto& t : targets) {
      sf.push_back(t.source);
      df.push_back(t.destination);
      pairs.emplace_back(t.source.str(), t.destination.str());
    }
    auto s = src.StreamSnapshotsOf(sf);
    auto d = dst.StreamSnapshotsOf(df);
    if (!s || !d) return 2;
    auto merged = core::MergeSnapshotStreams(**s, **d, pairs, [&](std::size_t i, const auto& sl, const auto& dl) {
      const auto& t = targets[i];
      if (!sl) return;
      // As the cycle and the parity pass do (no filter configured here).
      auto plan = replicate::PlanReplication(*sl, dl, replicate::InitialMode::kAll, {}, t.snapshots, t.prefix);
      auto parity = checks::ComputeParity(*sl, dl, t.retention, kNow, t.prefix);
      ok += plan.kind == replicate::PlanKind::kSend && parity.not_replicated == 1;
      work += plan.steps.size();
    });
    if (!merged) {
      std::cerr << merged.error().message << "\n";
      return 1;
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = CpuSeconds() - cpu0;
  if (ok != n) {
    std::cerr << mode << ": " << ok << " of " << n << " datasets as expected\n";
    return 1;
  }
  std::cout << "mode=" << mode << "\ndatasets=" << n << "\nseconds=" << seconds << "\ncpu_seconds=" << cpu
            << "\npeak_rss_kib=" << PeakRssKib() << "\nlist_commands_source=" << src_runner.list_commands
            << "\nlist_commands_destination=" << dst_runner.list_commands << "\nwork=" << work << "\n";
  return 0;
}

// Every family the daemon exports with `detail` filled for `n` datasets
// (each dataset with one of every rare event too: a failure and a retry,
// a resume, an aborted token, a divergence, a failed source prune, a drill
// failure, a snapshot not yet replicated, a resume token), then `rounds`
// renders of /metrics streamed to a sink that counts (as the HTTP handler
// streams them); prints the median.
int Metrics(std::size_t n, int rounds, const char* dump, core::MetricDetail detail, bool gzip) {
  std::vector<std::string> names;
  for (std::size_t i = 0; i < n; ++i) names.push_back(DestinationName(i));
  // And one dataset that never succeeded yet (its first-scheduled time).
  const std::string fresh = "backup/never-replicated";
  names.push_back(fresh);
  auto replication = std::make_shared<exporter::ReplicationMetrics>(names, [] { return kNow; }, detail);
  replication->SetInterval(fresh, 900);
  replication->SetFirstScheduled(fresh, kNow - 7200);
  auto checks_m = std::make_shared<exporter::CheckMetrics>(detail);
  auto inventory = std::make_shared<exporter::InventoryMetrics>(detail);
  auto features = std::make_shared<exporter::FeatureMetrics>();
  features->Set("src1", core::ZfsFeatures{});
  features->Set("local", core::ZfsFeatures{});
  core::PoolStatus pool;
  pool.pool = "backup";
  pool.state = "ONLINE";
  pool.scrub = core::ScanInfo{};
  pool.scrub->state = core::ScanState::kFinished;
  pool.scrub->end_time = kNow - 3600;
  pool.scrub->duration_seconds = 600;
  pool.scrub->errors = 0;
  pool.vdevs = {core::VdevStatus{"backup", "ONLINE", 0, 0, 0}, core::VdevStatus{"sda", "ONLINE", 0, 0, 0}};
  pool.data_errors = 0;
  checks_m->SetPool("local", "backup", pool, core::PoolSpace{1ull << 40, 1ull << 39, 1ull << 39});
  checks_m->CountScrubStarted("local", "backup");
  core::PoolStatus scrubbing = pool;  // a second pool, its scrub under way
  scrubbing.pool = "backup2";
  scrubbing.scrub->state = core::ScanState::kInProgress;
  scrubbing.scrub->progress_ratio = 0.5;
  checks_m->SetPool("local", "backup2", scrubbing, core::PoolSpace{1ull << 40, 1ull << 39, 1ull << 39});
  checks_m->RecordRun("scrub", "local", "backup", true, 0.2, kNow);
  checks_m->RecordPass("parity", "src1", 0.5, kNow);
  checks_m->RecordPass("replica_safety", "local", 0.1, kNow);
  checks_m->RecordPass("inventory", "src1", 0.3, kNow);
  for (std::size_t i = 0; i < n; ++i) {
    const std::string& d = names[i];
    replication->SetInterval(d, 900);
    replication->CycleStarted(d, kNow - 60);
    replication->AddBytes(d, 1 << 20);
    replication->AddWireBytes(d, 1 << 20);
    replication->SetExpectedBytes(d, 1 << 20);
    replicate::CycleOutcome outcome;
    outcome.bytes = 1 << 20;
    outcome.newest_common = core::SnapshotInfo{"zpull_x", 1, 1, kNow - 60, 1};
    outcome.source_snapshots = outcome.destination_snapshots = 100;
    outcome.pruned_source = outcome.pruned_destination = 1;  // pruning in steady state
    outcome.started = kNow - 60;
    outcome.finished = kNow - 50;
    outcome.retried = {core::Error{core::Reason::kNetwork, "cut"}};
    outcome.resumed = 1;
    outcome.tokens_aborted = 1;
    outcome.destroyed_on_divergence = {"x"};
    outcome.source_prune_failed = true;
    replication->CycleFinished(d, outcome, 10.0);
    replicate::CycleOutcome failed;
    failed.error = core::Error{core::Reason::kNetwork, "cut"};
    replication->CycleStarted(d, kNow - 40);
    replication->CycleFinished(d, failed, 1.0);
    checks::ParityReport parity;
    parity.destination_exists = true;
    parity.newest_source_creation = parity.newest_common_creation = kNow - 60;
    parity.destination_written = 0;
    parity.not_replicated = 1;
    parity.oldest_not_replicated_creation = kNow - 30;
    checks_m->SetParity(d, parity);
    checks_m->SetSpace(d, checks::DatasetSpace{1 << 30, 1 << 20, 4096, 1 << 30, 1 << 20});
    checks_m->RecordResult("parity", "src1", d, true);
    checks_m->RecordResult("replica_safety", "local", d, true);
    checks_m->RecordResult("inventory", "src1", d, true);
    checks_m->RecordResult("drill", "src1", d, true);
    checks_m->SetUnsafeProperties(d, 0);
    exporter::CheckMetrics::DrillState drill;
    drill.last_run = drill.last_success = kNow - 3600;
    drill.last_outcome = "ok";
    drill.seconds = 5;
    drill.covered_ratio = 0.25;
    drill.restore_bytes_per_second = 1e8;
    drill.estimated_restore_seconds = 60;
    checks_m->SetDrill(d, drill);
    checks_m->CountDrillFailure(d, checks::DrillFailure::kMismatch);
    checks_m->SetDrillInterval(d, 86400);
    checks::Inventory inv;
    inv.source_holds = inv.destination_holds = checks::HoldSummary{1, kNow - 3600};
    inv.bookmarks = 1;
    inv.resume_token = true;
    inventory->Set(d, inv, kNow);
  }
  // Notifications configured (their counters per kind), sending nowhere.
  auto notifier = std::make_shared<daemon::Notifier>(
      core::Log(nullptr, core::LogFormat::kText), [] { return kNow; }, "bench",
      [](const core::HttpRequest&) -> core::Result<long> { return 200; });
  {
    config::Config notify_config;
    notify_config.notify.webhooks = {{"https://hooks.example/bench", 1}};
    notifier->Configure(notify_config);
  }
  const exporter::MetricSources sources = {replication, checks_m, features, inventory,
                                           std::make_shared<exporter::BuildInfo>("bench", "bench"), notifier};
  std::vector<double> times;
  std::size_t bytes = 0, series = 0, sent = 0;
  for (int r = 0; r < rounds; ++r) {
    // As /metrics does: written in pieces to the connection (here: counted).
    const auto t0 = std::chrono::steady_clock::now();
    std::size_t text_bytes = 0, wire_bytes = 0;
    exporter::MetricWriter::Sink wire = [&wire_bytes](std::string_view piece) { wire_bytes += piece.size(); };
    std::optional<exporter::GzipWriter> zipped;
    if (gzip) zipped.emplace(wire);
    exporter::MetricWriter out([&](std::string_view piece) {
      text_bytes += piece.size();
      if (zipped) {
        zipped->Write(piece);
      } else {
        wire(piece);
      }
    });
    for (const auto& s : sources) s->WriteMetrics(out);
    out.Finish();
    if (zipped) zipped->Finish();
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    bytes = text_bytes;
    sent = wire_bytes;
    series = out.Series();
  }
  std::sort(times.begin(), times.end());
  const long peak = PeakRssKib();  // before the dump's whole page in memory
  if (dump) std::ofstream(dump) << exporter::RenderMetrics(sources);
  std::cout << "mode=metrics\ndatasets=" << n << "\nseconds=" << times[times.size() / 2] << "\nbytes=" << bytes
            << "\nsent_bytes=" << sent << "\nseries=" << series << "\nseries_per_dataset=" << double(series) / double(n)
            << "\npeak_rss_kib=" << peak << "\n";
  return 0;
}

std::int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// VmRSS of this process, in KiB.
long RssKib() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

// `zpull run`'s Daemon with `n` datasets (issue 26 §3) on in-memory hosts
// (tests/support/fake_zfs.h: no process, no parsing; the listing's parsing
// cost at scale is the `parity` mode's). Seeds every destination with one
// `once` pass (snapshot: true), then runs the daemon with snapshot: false
// and nothing new, the default schedules (interval 15m, parity and scrub
// 5m), for `seconds`: what it costs while idle, with its HTTP server,
// scraped every `scrape_interval` seconds (0: never) by `curl --compressed`
// as Prometheus scrapes (gzip; curl's own CPU is not counted). Prints
// seed_seconds, baseline_rss_kib (the hosts' data, before the daemon),
// idle_cpu_seconds, idle_seconds, rss_kib (max of 1 s samples while idle),
// final_rss_kib, scrapes.
int DaemonIdle(std::size_t n, std::size_t snapshots, int seconds, int scrape_interval) {
  daemon::LimitMallocArenas();  // as `zpull run` does
  char dir_template[] = "/tmp/zpull-bench-daemon.XXXXXX";
  if (!::mkdtemp(dir_template)) {
    std::perror("mkdtemp");
    return 1;
  }
  const std::string dir = dir_template;
  test::FakeZfs src("src1", UnixNow), dst("local", UnixNow);
  core::ZfsFeatures features;
  features.version = "fake";
  src.SetFeatures(features);
  dst.SetFeatures(features);
  dst.SetPool("backup", core::PoolStatus{"backup", "ONLINE"}, core::PoolSpace{1ull << 40, 1ull << 38, 3ull << 38});
  src.CreateFilesystem("tank");
  src.CreateFilesystem("tank/data");
  dst.CreateFilesystem("backup");
  auto yaml = [&](bool snapshot) {
    std::string y = "snapshot_prefix: zb\nlock_directory: " + dir + "/locks\ncache_directory: " + dir +
                    "/cache\nsources: [{name: src1, host: local}]\ndatasets:\n";
    for (std::size_t i = 0; i < n; ++i) {
      y += "  - {source: src1, source_dataset: " + SourceName(i) + ", destination: " + DestinationName(i) +
           ", snapshot: " + (snapshot ? "true" : "false") + "}\n";
    }
    return y;
  };
  for (std::size_t i = 0; i < n; ++i) {
    src.CreateFilesystem(SourceName(i));
    const auto fs = core::DatasetName::Parse(SourceName(i)).value();
    for (std::size_t s = 0; s < snapshots; ++s) (void)src.CreateSnapshot(fs, "auto-" + std::to_string(s));
  }
  auto logger = std::make_shared<spdlog::logger>("bench", std::make_shared<spdlog::sinks::null_sink_mt>());
  const core::Log log(logger, core::LogFormat::kLogfmt);
  auto hosts = std::make_shared<daemon::Hosts>(std::map<std::string, core::Zfs*>{{"src1", &src}}, &dst, dir + "/cache");

  const auto seed_start = std::chrono::steady_clock::now();
  {
    auto seed = config::ParseConfig(yaml(true), dir + "/seed.yml", "bench");
    if (!seed) {
      std::cerr << seed.error().message << "\n";
      return 1;
    }
    std::size_t failed = 0;
    for (const auto& o : daemon::RunEachOnce(*seed, *hosts, UnixNow, log)) failed += o.ok() ? 0 : 1;
    if (failed) {
      std::cerr << failed << " of " << n << " seed cycles failed\n";
      return 1;
    }
  }
  // Every destination holds the snapshot zpull took.
  for (std::size_t i = 0; i < n; ++i) {
    auto list = dst.ListSnapshots(core::DatasetName::Parse(DestinationName(i)).value());
    if (!list || !*list || (*list)->empty()) {
      std::cerr << DestinationName(i) << " was not seeded: "
                << (!list ? list.error().message : !*list ? "absent" : std::to_string((*list)->size()) + " snapshots")
                << "\n";
      return 1;
    }
  }
  const double seed_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - seed_start).count();
  ::malloc_trim(0);
  const long baseline = RssKib();

  auto idle = config::ParseConfig(yaml(false), dir + "/idle.yml", "bench");
  if (!idle) {
    std::cerr << idle.error().message << "\n";
    return 1;
  }
  auto config = std::make_shared<const config::Config>(std::move(*idle));
  auto d = std::make_shared<daemon::Daemon>(config, hosts, log, UnixNow);
  if (auto s = d->Start(); !s) {
    std::cerr << s.error().message << "\n";
    return 1;
  }
  auto http = exporter::HttpServer::Start("127.0.0.1:0", [] { return true; });
  if (!http) {
    std::cerr << http.error().message << "\n";
    return 1;
  }
  (*http)->Serve(d->Served());
  const core::Argv scrape = {"curl", "-sf", "--noproxy", "*", "--compressed", "-o", "/dev/null",
                            "http://127.0.0.1:" + std::to_string((*http)->Port()) + "/metrics"};
  core::LocalRunner curl;
  const double cpu0 = CpuSeconds();
  const auto t0 = std::chrono::steady_clock::now();
  std::thread runner([&d] { d->Run(); });
  long rss = 0;
  int scrapes = 0;
  for (int i = 1; i <= seconds; ++i) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    if (scrape_interval > 0 && i % scrape_interval == 0) {
      if (auto r = curl.Run(scrape); !r || r->exit_code != 0) {
        std::cerr << "scrape failed: " << core::ShellJoin(scrape) << "\n";
        break;
      }
      ++scrapes;
    }
    rss = std::max(rss, RssKib());
  }
  const double cpu = CpuSeconds() - cpu0;
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::uint64_t runs = 0;
  for (std::size_t i = 0; i < n; ++i) runs += d->Metrics().ViewOf(DestinationName(i)).last_attempt ? 1 : 0;
  const long final_rss = RssKib();
  (*http)->Serve({});  // before the daemon its status refers to goes
  d->Stop();
  runner.join();
  std::filesystem::remove_all(dir);
  if (scrape_interval > 0 && scrapes != seconds / scrape_interval) {
    std::cerr << scrapes << " of " << seconds / scrape_interval << " scrapes answered\n";
    return 1;
  }
  std::cout << "mode=daemon\ndatasets=" << n << "\nseed_seconds=" << seed_seconds << "\nbaseline_rss_kib=" << baseline
            << "\nidle_seconds=" << elapsed << "\nidle_cpu_seconds=" << cpu << "\nidle_cpu_share=" << cpu / elapsed
            << "\nrss_kib=" << rss << "\nfinal_rss_kib=" << final_rss << "\ncycles_while_idle=" << runs
            << "\nscrapes=" << scrapes
            << "\npeak_rss_kib=" << PeakRssKib() << "\n";
  return 0;
}

// Answers the commands of a no-op `zpull once` from files, and counts every
// command as bench/zfs_scale.sh counts processes: listings (by their
// property list) with `cat FILE`, `zfs version`, `zfs set`, and the
// bookmark listing (none); anything
// else fails, as the safety listing here does (it only leaves the replicas
// as they are).
class CycleRunner : public core::CommandRunner {
 public:
  CycleRunner(std::string host, std::string listing, std::string bookmarks = {})
      : host_(std::move(host)), listing_(std::move(listing)), bookmarks_(std::move(bookmarks)) {}
  core::Result<core::CommandResult> Run(const core::Argv& argv, std::string_view) override {
    ++commands;
    if (argv.size() == 2 && argv[1] == "version") return core::CommandResult{0, "zfs-2.3.2\nzfs-kmod-2.3.2\n", ""};
    if (argv.size() > 2 && argv[1] == "set") {
      ++sets;
      return core::CommandResult{};
    }
    if (std::find(argv.begin(), argv.end(), "bookmark") != argv.end()) {
      if (bookmarks_.empty()) return core::CommandResult{};  // none
      return local_.Run({"cat", bookmarks_});
    }
    return core::CommandResult{1, "", "unexpected command " + core::ShellJoin(argv)};
  }
  core::Result<std::unique_ptr<core::Process>> Start(const core::Argv& argv) override {
    ++commands;
    if (std::none_of(argv.begin(), argv.end(), [](const std::string& a) { return a.starts_with(kListProps); })) {
      return core::Fail(core::Reason::kOther, "unexpected command " + core::ShellJoin(argv));
    }
    ++listings;
    return local_.Start({"cat", listing_});
  }
  const std::string& Host() const override { return host_; }
  std::size_t MaxCommandBytes() const override { return std::numeric_limits<std::size_t>::max(); }
  std::atomic<int> commands{0}, listings{0}, sets{0};

 private:
  std::string host_, listing_, bookmarks_;
  core::LocalRunner local_;
};

// What a replicated, steady recursive entry lists: its root (no snapshots)
// and N children of M snapshots, the newest common, held on both sides and
// marked zpull:common and bookmarked on the source; the destination tells
// no resume token and nothing written.
int GenerateSteady(const std::string& dir, std::size_t datasets, std::size_t snapshots) {
  std::FILE* src = std::fopen((dir + "/source.get").c_str(), "w");
  std::FILE* dst = std::fopen((dir + "/destination.get").c_str(), "w");
  std::FILE* marks = std::fopen((dir + "/source.bookmarks").c_str(), "w");
  if (!src || !dst || !marks) {
    std::perror("generate");
    return 1;
  }
  std::mt19937_64 rng(42);
  auto own = [&](std::FILE* f, const std::string& fs, bool destination) {
    Lines(f, fs, rng(), 100, kNow - 400 * 86400, "-");
    if (destination) std::fprintf(f, "%s\treceive_resume_token\t-\t-\n%s\twritten\t0\t-\n", fs.c_str(), fs.c_str());
  };
  own(src, "tank/data", false);
  own(dst, "backup/src1/data", true);
  for (std::size_t i = 0; i < datasets; ++i) {
    const std::string s = SourceName(i), d = DestinationName(i);
    own(src, s, false);
    own(dst, d, true);
    std::uint64_t txg = 1000 + i, dtxg = 2000 + i;
    for (std::size_t k = 0; k < snapshots; ++k) {
      const std::int64_t t = kNow - static_cast<std::int64_t>(snapshots - k) * 3600;
      const std::uint64_t guid = rng();
      const bool newest = k + 1 == snapshots;
      Lines(src, s + "@" + SnapName(t), guid, txg += 7, t, newest ? "1" : "0");
      Lines(dst, d + "@" + SnapName(t), guid, dtxg += 3, t + 60, newest ? "1" : "0");
      std::fprintf(dst, "%s@%s\tzpull:common\t%s\n", d.c_str(), SnapName(t).c_str(),
                   newest ? "1795790000\tlocal" : "-\t-");
      if (newest) {
        char hex[17];
        std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(guid));
        const std::string mark =
            s + "#" + replicate::BookmarkStem("zpull", core::DatasetName::Parse(d).value()) + hex;
        std::fprintf(marks, "%s\tguid\t%llu\t-\n%s\tcreatetxg\t%llu\t-\n%s\tcreation\t%lld\t-\n", mark.c_str(),
                     static_cast<unsigned long long>(guid), mark.c_str(), static_cast<unsigned long long>(txg),
                     mark.c_str(), static_cast<long long>(t));
      }
    }
  }
  std::fclose(src);
  std::fclose(dst);
  std::fclose(marks);
  return 0;
}

// A no-op `zpull once` (daemon::RunEachOnce: rounds, decisions, cycles,
// the deferred last successes) over a recursive entry of N children, its
// features cached as on a second run.
int NoOpCycle(std::size_t n, std::size_t snapshots) {
  // In memory, as /run/zpull (the default lock_directory) is: a lock file per dataset.
  const std::string dir = std::string(std::filesystem::exists("/dev/shm") ? "/dev/shm" : "/tmp") +
                          "/zpull-bench-cycle-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir + "/locks");
  if (int rc = GenerateSteady(dir, n, snapshots); rc != 0) return rc;
  CycleRunner src_runner("src1", dir + "/source.get", dir + "/source.bookmarks");
  CycleRunner dst_runner("local", dir + "/destination.get");
  core::ZfsCli src(src_runner), dst(dst_runner);
  core::ZfsFeatures f{"zfs-2.3.2", true, true, true, true, true, true, true};
  f.list_holds = f.get_types = f.volmode = f.pool_status_json = true;
  {
    const core::FeatureCache cache(dir + "/cache");
    auto sfp = src.Fingerprint();
    auto dfp = dst.Fingerprint();
    if (!sfp || !dfp) return 2;
    cache.Store("source\nsrc1", *sfp, f);
    cache.Store("destination", *dfp, f);
  }
  src_runner.commands = dst_runner.commands = 0;
  config::Config c;
  c.snapshot_prefix = "zpull";
  c.lock_directory = dir + "/locks";
  config::SourceConfig s;
  s.name = "src1";
  s.host = "local";
  c.sources.push_back(s);
  auto add = [&](const std::string& from, const std::string& to, bool root) {
    config::DatasetConfig d{.source = "src1",
                            .source_dataset = core::DatasetName::Parse(from).value(),
                            .destination = core::DatasetName::Parse(to).value()};
    d.interval_seconds = 3600;
    d.snapshot = false;
    d.source_retention = std::nullopt;
    d.recursive = root;
    if (!root) {
      d.expanded_from = "backup/src1/data";
      d.replicated_parent = core::DatasetName::Parse("backup/src1/data").value();
    }
    c.datasets.push_back(std::move(d));
  };
  add("tank/data", "backup/src1/data", true);
  for (std::size_t i = 0; i < n; ++i) add(SourceName(i), DestinationName(i), false);
  daemon::Hosts hosts({{"src1", &src}}, &dst, dir + "/cache");
  const core::Log log(std::make_shared<spdlog::logger>("bench", std::make_shared<spdlog::sinks::null_sink_mt>()),
                      core::LogFormat::kText);
  const double cpu0 = CpuSeconds();
  const auto t0 = std::chrono::steady_clock::now();
  auto outcomes = daemon::RunEachOnce(c, hosts, [] { return kNow; }, log, nullptr);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = CpuSeconds() - cpu0;
  std::size_t ok = 0;
  for (const auto& o : outcomes) {
    if (o.ok() && o.plan.kind == replicate::PlanKind::kNothing) ++ok;
  }
  for (const auto& o : outcomes) {
    if (o.error) {
      std::cerr << o.error->message << "\n";  // the first failure
      break;
    }
  }
  std::filesystem::remove_all(dir);
  if (ok != n + 1) {
    std::cerr << "cycle: " << ok << " of " << n + 1 << " datasets up to date\n";
    return 1;
  }
  std::cout << "mode=cycle\ndatasets=" << n + 1 << "\nsnapshots=" << snapshots << "\nseconds=" << seconds
            << "\ncpu_seconds=" << cpu << "\npeak_rss_kib=" << PeakRssKib()
            << "\ncommands_source=" << src_runner.commands << "\ncommands_destination=" << dst_runner.commands
            << "\nlist_commands_source=" << src_runner.listings << "\nlist_commands_destination=" << dst_runner.listings
            << "\nset_commands_destination=" << dst_runner.sets << "\n";
  return 0;
}

std::size_t Flag(int argc, char** argv, const char* name, std::size_t fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) return std::stoul(argv[i + 1]);
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: zpull-bench-control-plane generate|read|parity|full DIR [--datasets N --snapshots M]\n"
                 "       zpull-bench-control-plane metrics --datasets N [--rounds R] [--dump FILE] [--detail all|G,G]"
                 " [--gzip]\n"
                 "       zpull-bench-control-plane daemon --datasets N [--snapshots M] [--seconds S]"
                 " [--scrape-interval S]\n"
                 "       zpull-bench-control-plane cycle --datasets N [--snapshots M]\n";
    return 2;
  }
  const std::string mode = argv[1];
  if (mode == "metrics") {
    const char* dump = nullptr;
    core::MetricDetail detail;
    bool gzip = false;
    for (int i = 2; i < argc; ++i) {
      if (std::strcmp(argv[i], "--gzip") == 0) gzip = true;
      if (i + 1 >= argc) continue;
      if (std::strcmp(argv[i], "--dump") == 0) dump = argv[i + 1];
      if (std::strcmp(argv[i], "--detail") == 0) {
        // "all", or groups separated by commas (core/metric_detail.h)
        std::string list = argv[i + 1];
        for (std::size_t p = 0; p <= list.size();) {
          std::size_t comma = std::min(list.find(',', p), list.size());
          const std::string name = list.substr(p, comma - p);
          if (name == "all") {
            for (auto k : core::MetricDetail::kNames) detail.Enable(k);
          } else if (!detail.Enable(name)) {
            std::cerr << "unknown metric group " << name << "\n";
            return 2;
          }
          p = comma + 1;
        }
      }
    }
    return Metrics(Flag(argc, argv, "--datasets", 1000), static_cast<int>(Flag(argc, argv, "--rounds", 5)), dump,
                   detail, gzip);
  }
  if (mode == "cycle") return NoOpCycle(Flag(argc, argv, "--datasets", 10000), Flag(argc, argv, "--snapshots", 100));
  if (mode == "daemon") {
    return DaemonIdle(Flag(argc, argv, "--datasets", 10000), Flag(argc, argv, "--snapshots", 10),
                      static_cast<int>(Flag(argc, argv, "--seconds", 600)),
                      static_cast<int>(Flag(argc, argv, "--scrape-interval", 0)));
  }
  if (argc < 3) return 2;
  if (mode == "generate") {
    return Generate(argv[2], Flag(argc, argv, "--datasets", 1000), Flag(argc, argv, "--snapshots", 100));
  }
  if (mode == "read" || mode == "parity" || mode == "full") return Pass(mode, argv[2]);
  std::cerr << "unknown mode " << mode << "\n";
  return 2;
}
