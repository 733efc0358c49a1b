#include "cli/help.h"

#include <map>

namespace zpull::cli {
namespace {

struct Help {
  std::string summary, text;
};

const std::map<std::string, Help>& Texts() {
  static const std::map<std::string, Help> texts = {
      {"run",
       {"the daemon: replicate every dataset on its interval, check, serve /metrics",
        R"(usage: zpull run [--config FILE] [--web.listen-address [HOST]:PORT] [--web.config.file FILE]

Replicates every configured dataset on its interval, runs the parity,
scrub and drill checks on theirs, and serves /metrics (Prometheus), /status
(JSON), a status page at / and /healthz. SIGTERM/SIGINT stop it (running
transfers are aborted; OpenZFS keeps their resume tokens); SIGHUP reloads
the configuration (an invalid one is refused and the running one kept).

  --web.listen-address [HOST]:PORT overrides `listen:` of the configuration
                                   (:PORT: every interface)
  --web.config.file FILE           TLS, mutual TLS and basic auth, in the
                                   Prometheus exporter-toolkit format

Examples:
  zpull run --config /etc/zpull/zpull.yml
  zpull run --web.listen-address 0.0.0.0:9720 --web.config.file /etc/zpull/web.yml
)"}},
      {"once",
       {"one replication cycle for every dataset, then exit",
        R"(usage: zpull once [--config FILE] [--dry-run] [--textfile PATH]

One cycle per dataset (snapshot, send, receive, prune), one line per dataset
("ok …" or "FAILED … reason=…"); exit 0 if every dataset succeeded, 1 if one
failed. On a terminal a live line per running transfer shows bytes, rate and
ETA.

  --dry-run         print what each cycle would snapshot, send, refuse,
                    destroy and prune; change nothing
  --textfile PATH   also write the run's metrics for node_exporter's textfile
                    collector (atomically; counters carry forward)

Examples:
  zpull once --dry-run
  zpull once --textfile /var/lib/prometheus/node-exporter/zpull.prom   # from cron
)"}},
      {"status",
       {"what a running zpull run is doing",
        R"(usage: zpull status [--config FILE] [--json]

Asks the running daemon over its control socket (control_socket:, 0600) and
prints a table: per dataset state, lag, last success, last result and
reason, a running transfer's bytes/rate/ETA, the last drill; per pool health
and scrub. --json prints the same as /status.

Example:
  zpull status
)"}},
      {"replicate",
       {"run one dataset's cycle now in the running daemon",
        R"(usage: zpull replicate [--config FILE] DATASET

DATASET is a destination as `zpull status` lists it; a paused dataset runs
once.

Example:
  zpull replicate backup/web1/home
)"}},
      {"pause",
       {"stop scheduling a dataset in the running daemon",
        R"(usage: zpull pause [--config FILE] DATASET

A running cycle finishes; zpull_replication_paused shows 1 until `zpull
resume`. Alerts leave paused datasets alone.

Example:
  zpull pause backup/web1/db
)"}},
      {"resume",
       {"schedule a paused dataset again",
        R"(usage: zpull resume [--config FILE] DATASET

Example:
  zpull resume backup/web1/db
)"}},
      {"verify",
       {"snapshot parity, replica safety and pool health now (Nagios exit codes)",
        R"(usage: zpull verify [--config FILE] [DATASET...]

Compares source and destination snapshots by guid, checks that no replica
could mount itself or run setuid files, and reads pool status; prints
findings; exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.

Example:
  zpull verify backup/web1/home
)"}},
      {"drill",
       {"a restore drill of one dataset now",
        R"(usage: zpull drill [--config FILE] DATASET

Clones the newest common snapshot on both sides, reads files back and
compares them (docs/restore-drills.md); exit 0 if it passed.

Example:
  zpull drill backup/web1/home
)"}},
      {"restore",
       {"send a backup back to a source (dry run unless --yes)",
        R"(usage: zpull restore [--config FILE] DATASET[@SNAPSHOT] --to HOST:DATASET [--yes] [--force]

Sends a snapshot of a backup on this host (the newest unless @SNAPSHOT) to
HOST, a configured source's name or `local`: a full stream to a new
dataset, or an incremental from the newest snapshot both have (by guid).
Without --yes it prints what it would send and what would be destroyed.
A receive that needs -F (the target has newer snapshots or changes, or
shares no snapshot) is refused unless --force; the snapshots it destroys are
listed first. The restored snapshot's guid is checked.

Examples:
  zpull restore backup/web1/home --to web1:tank/home-restored
  zpull restore backup/web1/home@zpull_bk_2026-11-27T08:00:00Z --to web1:tank/home --yes --force
)"}},
      {"check-config",
       {"validate a configuration file",
        R"(usage: zpull check-config [FILE]

Every error names the file, line, column and key; exit 0 if valid.

Example:
  zpull check-config /etc/zpull/zpull.yml
)"}},
  };
  return texts;
}

}  // namespace

const std::vector<std::string>& HelpCommands() {
  static const std::vector<std::string> order = {"run",    "once",   "status", "replicate", "pause",
                                                 "resume", "verify", "drill",  "restore",   "check-config"};
  return order;
}

std::optional<std::string> CommandHelp(const std::string& command) {
  auto it = Texts().find(command);
  if (it == Texts().end()) return std::nullopt;
  return it->second.text +
         "\nEvery command: --config FILE (default /etc/zpull/zpull.yml), --log.level debug|info|warn|error,\n"
         "--log.format text|logfmt|json (stderr).\n";
}

std::string Overview() {
  std::string out = "zpull: pull replication of ZFS datasets, verified and measured.\n\nCommands:\n";
  for (const auto& c : HelpCommands()) {
    const auto& h = Texts().at(c);
    out += "  " + c + std::string(c.size() < 14 ? 14 - c.size() : 1, ' ') + h.summary + "\n";
  }
  out += "  version       zpull's version and revision\n\n"
         "`zpull help COMMAND` or `zpull COMMAND --help` shows a command's options and examples.\n"
         "Configuration: every key is explained in /usr/share/doc/zpull/zpull.example.yml\n"
         "(deploy/zpull.example.yml in the source tree).\n";
  return out;
}

}  // namespace zpull::cli
