#include "cli/commands.h"

namespace zpull::cli {

const std::vector<CommandSpec>& Commands() {
  static const std::vector<CommandSpec> commands = {
      {"run",
       "the daemon: replicate every dataset on its interval, check, serve /metrics",
       {{"--web.listen-address", "", "[HOST]:PORT",
         "overrides listen: of the configuration; :PORT listens on every interface"},
        {"--web.config.file", "", "FILE", "TLS, mutual TLS and basic auth, in the Prometheus exporter-toolkit format"}},
       "",
       Operands::kNone,
       R"(Replicates every configured dataset on its interval, runs the parity,
scrub and drill checks on theirs, and serves /metrics (Prometheus), /status
(JSON), a status page at / and /healthz. SIGTERM/SIGINT stop it (running
transfers are aborted; OpenZFS keeps their resume tokens); SIGHUP reloads
the configuration (an invalid one is refused and the running one kept).)",
       {"zpull run --config /etc/zpull/zpull.yml",
        "zpull run --web.listen-address :9720 --web.config.file /etc/zpull/web.yml"}},
      {"once",
       "one replication cycle for every dataset (or those named), then exit",
       {{"--dry-run", "-n", "", "print what each cycle would snapshot, send, refuse, destroy and prune; change nothing"},
        {"--textfile", "", "PATH",
         "also write the run's metrics for node_exporter's textfile collector (atomically; counters carry forward)"}},
       "DESTINATION",
       Operands::kAny,
       R"(One cycle per dataset (snapshot, send, receive, prune), one line per dataset
("ok …" or "FAILED … reason=…"); exit 0 if every dataset succeeded, 1 if one
failed. DESTINATION names configured entries by their destination dataset,
as `zpull status`, the logs and the metrics name them, or a dataset above
them (backup/web1: every entry below it); without one, every entry runs. On a terminal a live line per running transfer shows bytes,
rate and ETA.)",
       {"zpull once --dry-run", "zpull once backup/web1/home backup/web1/db",
        "zpull once --textfile /var/lib/prometheus/node-exporter/zpull.prom   # from cron"}},
      {"status",
       "what a running zpull run is doing",
       {{"--json", "", "", "print the same as the daemon's /status"}},
       "",
       Operands::kNone,
       R"(Asks the running daemon over its control socket (control_socket:, 0600) and
prints a table: per dataset state, lag, last success, last result and
reason, a running transfer's bytes/rate/ETA, the last drill; per pool health
and scrub.)",
       {"zpull status"}},
      {"replicate",
       "run one dataset's cycle now in the running daemon",
       {},
       "DESTINATION",
       Operands::kOne,
       R"(DESTINATION is a destination dataset as `zpull status` lists it; a paused
dataset runs once.)",
       {"zpull replicate backup/web1/home"}},
      {"pause",
       "stop scheduling a dataset in the running daemon",
       {},
       "DESTINATION",
       Operands::kOne,
       R"(A running cycle finishes; zpull_replication_paused shows 1 until `zpull
resume`. Alerts leave paused datasets alone.)",
       {"zpull pause backup/web1/db"}},
      {"resume",
       "schedule a paused dataset again",
       {},
       "DESTINATION",
       Operands::kOne,
       "",
       {"zpull resume backup/web1/db"}},
      {"verify",
       "snapshot parity, replica safety and pool health now (Nagios exit codes)",
       {},
       "DESTINATION",
       Operands::kAny,
       R"(Compares source and destination snapshots by guid, checks that no replica
could mount itself or run setuid files, and reads pool status; prints
findings; exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. Without DESTINATION,
every configured dataset.)",
       {"zpull verify backup/web1/home"}},
      {"drill",
       "a restore drill of one dataset now",
       {},
       "DESTINATION",
       Operands::kOne,
       R"(Clones the newest common snapshot on both sides, reads files back and
compares them (docs/restore-drills.md); exit 0 if it passed.)",
       {"zpull drill backup/web1/home"}},
      {"restore",
       "a file, a directory or a whole dataset back from a backup",
       {{"--file", "", "PATH", "copy PATH (a file or directory, relative to the dataset's root) out of the snapshot"},
        {"--into", "", "DIR", "where --file copies to (default: the current directory)", false, "--file"},
        {"--overwrite", "", "", "let --file replace files and merge into directories that exist", false, "--file"},
        {"--list", "", "PATH", "show what the snapshot holds at PATH (/ for its root)"},
        {"--versions", "", "PATH", "list the snapshots in which PATH differs (type, size, modification time)"},
        {"--to", "", "HOST:DATASET", "send the whole dataset to a configured source's name (or local) and a dataset there"},
        {"--yes", "", "", "with --to: do it (without: print what would be sent and destroyed)", false, "--to"},
        {"--force", "", "", "with --to: allow a receive with -F, which destroys the target's snapshots listed first",
         false, "--to"}},
       "DESTINATION[@SNAPSHOT]",
       Operands::kOne,
       R"(Works on a backup on this host, named by its destination dataset, at
@SNAPSHOT (default: the newest; --versions finds the one to pick).

--file copies one file or directory out of the snapshot into DIR, with its
modes (never setuid or setgid) and times; symlinks are copied as links and
never followed, FIFOs and devices are refused, and nothing that exists is
replaced without --overwrite. The snapshot is read through a read-only
clone (setuid, devices and exec off) under the drill directory, destroyed
afterwards whatever happens (Ctrl-C included). It prints what it copied,
with sizes and the snapshot's time. PATH is relative to the dataset's
root (its mountpoint on the source). To put the copy back on the source
host, use rsync -a or tar (not scp -r, which follows symlinks): zpull never
writes files to a source.

--to sends the whole snapshot to HOST: a full stream to a new dataset, or
an incremental from the newest snapshot both have (by guid). Without --yes
it prints what it would send and what would be destroyed. A receive that
needs -F (the target has snapshots newer than the common one, changes
since it, or no snapshot in common) is refused unless --force; the
snapshots it would destroy are listed first. If the target already holds
the snapshot, nothing is sent and nothing is rolled back. The restored
snapshot's guid is checked.)",
       {"zpull restore --versions alice/thesis.tex backup/web1/home",
        "zpull restore --file alice/thesis.tex backup/web1/home@zpull_bk_2026-11-27T08:00:00Z",
        "zpull restore --list / backup/web1/home",
        "zpull restore backup/web1/home --to web1:tank/home-restored",
        "zpull restore backup/web1/home@zpull_bk_2026-11-27T08:00:00Z --to web1:tank/home --yes --force"},
       {"--to", "--file", "--list", "--versions"},
       {"zpull restore [--config FILE] --file PATH [--into DIR] [--overwrite] DESTINATION[@SNAPSHOT]",
        "zpull restore [--config FILE] --list PATH DESTINATION[@SNAPSHOT]",
        "zpull restore [--config FILE] --versions PATH DESTINATION",
        "zpull restore [--config FILE] --to HOST:DATASET [--yes] [--force] DESTINATION[@SNAPSHOT]"}},
      {"check-config",
       "validate a configuration file (offline)",
       {},
       "FILE",
       Operands::kOptionalOne,
       R"(Checks FILE (default: --config's) without contacting any host: an error
in the file names its line, column and key; a missing, unreadable or
directory identity_file or known_hosts file is an error naming its path
and the system's reason; a host missing from its known_hosts file is a
warning (its datasets fail with reason hostkey until it is added). Exit 0
if valid, 2 if not.)",
       {"zpull check-config /etc/zpull/zpull.yml"}},
  };
  return commands;
}

const CommandSpec* FindCommand(const std::string& name) {
  for (const auto& c : Commands()) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

const std::vector<OptionSpec>& CommonOptions() {
  static const std::vector<OptionSpec> options = {
      {"--config", "-c", "FILE", std::string("the configuration file (default ") + kDefaultConfig + ")"},
      {"--log.level", "", "LEVEL", "debug, info (default), warn or error"},
      {"--log.format", "", "FORMAT", "text (default), logfmt or json, on stderr"},
  };
  return options;
}

}  // namespace zpull::cli
