// zpull: pull-replication of ZFS datasets, verified and measured.
// Wires configuration, hosts and commands; all decisions live in the modules.

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "cli/parse.h"
#include "cli/safe_output.h"
#include "cli/selection.h"
#include "config/config.h"
#include "core/log.h"
#include "core/local_runner.h"
#include "core/safe_text.h"
#include "core/zfs_cli.h"
#include "core/ssh_files.h"
#include "daemon/control.h"
#include "daemon/daemon.h"
#include "daemon/dataset_cycle.h"
#include "daemon/drills.h"
#include "config/expand.h"
#include "cli/help.h"
#include "daemon/hosts.h"
#include "exporter/http_server.h"
#include "exporter/metric_text.h"
#include "daemon/once.h"
#include "daemon/run_loop.h"
#include "exporter/progress.h"
#include "cli/restore.h"
#include "cli/restore_file.h"
#include "exporter/textfile.h"
#include "daemon/verify.h"
#include "exporter/web_config.h"
#include "exporter/version.h"

namespace {

using namespace zpull;

std::int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "host";
  std::string h(buf);
  return h.substr(0, h.find('.'));
}

// The configuration at `path`; nullopt after saying on stderr why not.
std::optional<config::Config> LoadConfigOrSay(const std::string& path) {
  auto config = config::LoadConfig(path, Hostname());
  if (!config) {
    std::cerr << "zpull: invalid configuration: " << config.error().message << "\n";
    return std::nullopt;
  }
  for (const auto& w : config->warnings) std::cerr << "zpull: warning: " << w << "\n";
  return std::move(*config);
}

using cli::Args;

// --log.level and --log.format: the default logger on stderr; text is
// colored on a terminal, logfmt and json never are (journald keeps them).
core::Result<core::Log> ConfigureLogging(const Args& args) {
  const auto level = spdlog::level::from_str(args.log_level);
  if (level == spdlog::level::off && args.log_level != "off") {
    return core::Fail(core::Reason::kConfig, "--log.level: expected debug, info, warn or error, got '" + args.log_level + "'");
  }
  core::LogFormat format;
  if (args.log_format == "text") format = core::LogFormat::kText;
  else if (args.log_format == "logfmt") format = core::LogFormat::kLogfmt;
  else if (args.log_format == "json") format = core::LogFormat::kJson;
  else return core::Fail(core::Reason::kConfig, "--log.format: expected text, logfmt or json, got '" + args.log_format + "'");
  auto logger = format == core::LogFormat::kText ? spdlog::stderr_color_mt("zpull") : spdlog::stderr_logger_mt("zpull");
  logger->set_formatter(core::MakeLogFormatter(format));
  logger->set_level(level);
  return core::Log(std::move(logger), format);
}

// zpull replicate|pause|resume DATASET, zpull status: one request over the
// running daemon's control socket. Exit 0 on "ok", 1 on "error", 2 when the
// daemon cannot be reached or the arguments are wrong.
int Control(const Args& args) {
  auto config = LoadConfigOrSay(args.config);
  if (!config) return 2;
  const bool wants_dataset = args.command != "status";
  const std::string verb = args.command == "status" && args.json ? "status-json" : args.command;
  auto reply = daemon::ControlRequest(config->control_socket,
                                        verb + (wants_dataset ? " " + args.operands[0] : ""));
  if (!reply) {
    std::cerr << "zpull: " << reply.error().message << "\n";
    return 2;
  }
  const bool ok = reply->starts_with("ok");
  std::cout << (ok && verb.starts_with("status") ? reply->substr(3) : *reply);  // the report without "ok\n"
  return ok ? 0 : 1;
}

// Offline (the systemd unit runs it as ExecStartPre): the file, and each
// SSH source's identity_file and known_hosts as the running user; a host
// missing from its known_hosts is only a warning.
int CheckConfig(const Args& args) {
  auto config = LoadConfigOrSay(args.config);
  if (!config) return 2;
  int errors = 0;
  for (const auto& s : config->sources) {
    if (s.IsLocal()) continue;
    const core::SshTarget target = daemon::SshTargetOf(s);
    auto known = core::CheckSshFiles(target).and_then([&] { return core::HasKnownHostsEntry(target); });
    if (!known) {
      std::cerr << "zpull: " << args.config << ": " << known.error().message << "\n";
      ++errors;
    } else if (!*known) {
      const std::string host = s.port == 22 ? s.host : "[" + s.host + "]:" + std::to_string(s.port);
      std::cerr << "zpull: warning: source " << s.name << ": no key for " << host << " in " << s.known_hosts_file
                << ": its datasets fail with reason hostkey until it is added (ssh-keyscan -p " << s.port << " "
                << s.host << ", then check the fingerprint)\n";
    }
  }
  if (auto listener = exporter::LoadListener(config->listen, ""); !listener) {
    std::cerr << "zpull: " << args.config << ": listen: " << listener.error().message << "\n";
    ++errors;
  }
  if (errors) return 2;
  std::cout << args.config << ": ok (" << config->sources.size() << " sources, " << config->datasets.size()
            << " datasets, snapshot prefix " << config->snapshot_prefix << ")\n";
  // What bounds each host: its replication slots and command timeout.
  std::cout << "  this host: command_timeout "
            << core::DurationText(std::chrono::seconds(config->command_timeout_seconds)) << ", parallelism "
            << config->parallelism << " in all\n";
  for (const auto& s : config->sources) {
    std::cout << "  source " << s.name << ": parallelism " << config::SourceSlots(*config, s)
              << (s.parallelism ? "" : " (default)") << ", command_timeout "
              << core::DurationText(std::chrono::seconds(s.command_timeout_seconds)) << "\n";
  }
  return 0;
}

int Once(const Args& args, const core::Log& log) {
  auto config = LoadConfigOrSay(args.config);
  if (!config) return 2;
  // A mistake is named before any host is asked (expansion lists sources).
  if (auto s = cli::CheckSelectable(*config, args.operands); !s) {
    std::cerr << "zpull once: " << s.error().message << "\n";
    return 2;
  }
  if (!args.textfile.empty() && !args.operands.empty()) {
    std::cerr << "zpull once: --textfile writes the metrics of every entry: run it without DESTINATION\n";
    return 2;
  }
  daemon::Hosts hosts(*config);
  config = daemon::Expanded(*config, hosts, log);
  const auto selected = cli::SelectEntries(*config, args.operands);
  if (!selected) {
    std::cerr << "zpull once: " << selected.error().message << "\n";
    return 2;
  }
  if (args.dry_run) {
    int unclear = 0;
    for (std::size_t i : *selected) {
      auto preview = daemon::PreviewDatasetCycle(*config, i, hosts, UnixNow);
      std::cout << replicate::DescribePreview(config->datasets[i].destination.str(), preview) << "\n";
      unclear += preview.error || preview.refusal ? 1 : 0;
    }
    std::cout.flush();
    return unclear ? 1 : 0;
  }
  std::vector<std::string> names;
  for (const auto& d : config->datasets) names.push_back(d.destination.str());
  exporter::ReplicationMetrics metrics(names, UnixNow, config->metrics_detail);
  if (!args.textfile.empty()) {
    for (const auto& d : config->datasets) {
      metrics.SetInterval(d.destination.str(), d.interval_seconds);
      auto state = daemon::ReadReplicationState(hosts.Destination(), d.destination);
      if (state && *state) {
        metrics.RestoreFromDestination(d.destination.str(), (*state)->last_success, (*state)->newest_common_creation);
      }
    }
  }
  // On a terminal, a live line per running transfer; never in a pipe or log.
  const bool terminal = ::isatty(STDOUT_FILENO) == 1;
  std::vector<replicate::CycleOutcome> outcomes;
  {
    std::optional<exporter::ProgressDisplay> progress;
    if (terminal) progress.emplace(metrics, names, stdout, UnixNow);
    outcomes = daemon::RunEachOnce(*config, hosts, UnixNow, log,
                                   args.textfile.empty() && !terminal ? nullptr : &metrics, *selected);
  }
  int failed = 0;
  for (std::size_t i : *selected) {
    std::cout << daemon::FormatOutcome(config->datasets[i], outcomes[i]) << "\n";
    failed += outcomes[i].ok() ? 0 : 1;
  }
  std::cout.flush();
  if (!args.textfile.empty()) {
    std::string previous;
    if (std::ifstream in(args.textfile); in) previous.assign(std::istreambuf_iterator<char>(in), {});
    exporter::MetricWriter page;
    metrics.WriteMetrics(page);
    exporter::BuildInfo(exporter::kVersion, exporter::kRevision).WriteMetrics(page);
    const std::string text =
        exporter::CarryForwardCounters(previous, exporter::WithoutFamily(page.Text(), "zpull_replication_lag_seconds"));
    if (auto s = exporter::WriteFileAtomically(args.textfile, text); !s) {
      std::cerr << "zpull: " << s.error().message << "\n";
      return 2;
    }
  }
  return failed ? 1 : 0;
}

// The configuration file with the command line's --web.* flags applied.
core::Result<config::Config> LoadRunConfig(const Args& args) {
  auto config = config::LoadConfig(args.config, Hostname());
  if (!config) return config;
  if (!args.web_listen.empty()) config->listen = args.web_listen;
  config->web_config_file = args.web_config;
  if (auto listener = exporter::LoadListener(config->listen, config->web_config_file); !listener) {
    return tl::unexpected(listener.error());
  }
  return config;
}

// `zpull run`: the daemon until SIGTERM, reloading on SIGHUP (daemon/run_loop.h).
int Run(const Args& args, const core::Log& log) {
  auto config = LoadRunConfig(args);
  if (!config) {
    std::cerr << "zpull: invalid configuration: " << config.error().message << "\n";
    return 2;
  }
  for (const auto& w : config->warnings) log.Warn("config warning", {{"warning", w}});
  return daemon::RunUntilStopped(std::move(*config), [&args] { return LoadRunConfig(args); },
                                 log, UnixNow);
}

// zpull restore DATASET[@SNAPSHOT] --to HOST:DATASET [--yes] [--force]
int Restore(const Args& args) {
  auto config = LoadConfigOrSay(args.config);
  if (!config) return 2;
  if (args.restore_to.empty()) {
    using Mode = cli::FileRestoreRequest::Mode;
    const Mode mode = !args.restore_file.empty() ? Mode::kCopy : !args.restore_list.empty() ? Mode::kList : Mode::kVersions;
    const std::string& path = mode == Mode::kCopy ? args.restore_file
                              : mode == Mode::kList ? args.restore_list
                                                    : args.restore_versions;
    auto request = cli::ParseFileRestore(mode, args.operands[0], path, args.restore_into, args.overwrite);
    if (!request) {
      std::cerr << "zpull restore: " << request.error().message << "\n";
      return 2;
    }
    // Its zfs commands outside the terminal's process group: Ctrl-C
    // reaches zpull, which destroys its clone, and never the destroy.
    core::LocalRunner runner(std::chrono::seconds(config->command_timeout_seconds), /*own_process_group=*/true);
    core::ZfsCli zfs(runner, config->zfs_command, config->zpool_command);
    return cli::RunFileRestore(*config, zfs, *request, std::cout);
  }
  auto request = cli::ParseRestore(*config, args.operands[0], args.restore_to, args.yes, args.force);
  if (!request) {
    std::cerr << "zpull: " << request.error().message << "\n";
    return 2;
  }
  daemon::Hosts hosts(*config);
  return cli::RunRestore(hosts, *request, std::cout);
}

// zpull drill DATASET: one restore drill now, its outcome on one line.
int Drill(const Args& args, const core::Log& log) {
  auto config = LoadConfigOrSay(args.config);
  if (!config) return 2;
  daemon::Hosts hosts(*config);
  config = daemon::Expanded(*config, hosts, log);
  const config::DatasetConfig* dataset = nullptr;
  for (const auto& d : config->datasets) {
    if (d.destination.str() == args.operands[0] || d.source_dataset.str() == args.operands[0]) dataset = &d;
  }
  if (!dataset) {
    std::cerr << "zpull: no configured dataset " << args.operands[0] << "\n";
    return 2;
  }
  daemon::SweepDrills(*config, hosts, log, "");
  daemon::SweepDrills(*config, hosts, log, dataset->source);
  auto outcome = daemon::RunDatasetDrill(*config, *dataset, hosts, UnixNow);
  exporter::CheckMetrics metrics;
  daemon::RecordDrill(*dataset, hosts, outcome, metrics, log);
  std::cout << (outcome.ok() ? "ok " : "FAILED ") << dataset->destination.str() << " reason="
            << (outcome.ok() ? "ok" : std::string(checks::DrillFailureName(*outcome.failure)))
            << " snapshot=" << (outcome.snapshot.empty() ? "-" : outcome.snapshot)
            << " files_verified=" << outcome.files_verified << "/" << outcome.files_total
            << " files_mismatched=" << outcome.files_mismatched << " files_unreadable=" << outcome.files_unreadable
            << " files_skipped=" << outcome.files_skipped
            << " bytes_verified=" << outcome.bytes_verified;
  if (outcome.rotation) {
    std::cout << " covered=" << outcome.files_covered << "/" << outcome.files_total
              << (outcome.rotation_started ? " rotation=new" : "");
  }
  if (outcome.restore_bytes_per_second) {
    std::cout << " restore_bytes_per_second=" << static_cast<std::uint64_t>(*outcome.restore_bytes_per_second)
              << " estimated_restore_seconds=" << static_cast<std::uint64_t>(outcome.estimated_restore_seconds.value_or(0));
  }
  std::cout << ": " << outcome.message << "\n";
  // The files this drill covered, one per line: "  VERDICT PATH[: why]"
  // (a name from the source is one line of safe text: it cannot forge one).
  for (const auto& f : outcome.files) {
    std::cout << "  " << checks::FileVerdictName(f.verdict) << " " << core::SafeText(f.path)
              << (f.detail.empty() ? "" : ": " + core::SafeText(f.detail)) << "\n";
  }
  return outcome.ok() ? 0 : 1;
}

// zpull verify [DATASET...]: parity and pools now, Nagios exit codes.
int Verify(const Args& args, const core::Log& log) {
  auto config = LoadConfigOrSay(args.config);
  if (!config) return 3;
  daemon::Hosts hosts(*config);
  config = daemon::Expanded(*config, hosts, log);
  return daemon::RunVerify(*config, hosts, args.operands, UnixNow(), std::cout);
}

}  // namespace

int main(int argc, char** argv) {
  const zpull::cli::SafeOutput safe_stdout(std::cout), safe_stderr(std::cerr);
  auto args = cli::ParseCommandLine(std::vector<std::string>(argv + 1, argv + argc));
  if (!args) {
    std::cerr << cli::UsageErrorText(args.error());
    return 2;
  }
  if (args->command == "version") {
    std::cout << "zpull " << zpull::exporter::kVersion << " (" << zpull::exporter::kRevision << ")\n";
    return 0;
  }
  if (args->command == "help") {
    std::cout << (args->operands.empty() ? cli::Overview() : cli::CommandHelp(args->operands[0]).value_or(""));
    return 0;
  }
  auto log = ConfigureLogging(*args);
  if (!log) {
    std::cerr << "zpull: " << log.error().message << "\n";
    return 2;
  }
  if (args->command == "check-config") return CheckConfig(*args);
  if (args->command == "once") return Once(*args, *log);
  if (args->command == "replicate" || args->command == "pause" || args->command == "resume" ||
      args->command == "status") {
    return Control(*args);
  }
  if (args->command == "run") return Run(*args, *log);
  if (args->command == "restore") return Restore(*args);
  if (args->command == "drill") return Drill(*args, *log);
  if (args->command == "verify") return Verify(*args, *log);
  std::cerr << "zpull: internal error: no handler for command '" << args->command << "'\n";
  return 2;
}
