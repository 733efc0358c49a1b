#!/usr/bin/env node
// Writes zpull's Prometheus rule file to stdout. The shipped
// alerts/zpull.rules.yml is this script's output with no arguments; a test
// keeps the two equal. Tuning (docs/alerts.md):
//   node alerts/generate.mjs [--set NAME=VALUE]... [--for DURATION] > zpull.rules.yml
// --set changes a threshold below (by its name); --for replaces every
// alert's `for:` (the end-to-end test uses 0s so alerts fire at once).
// --no-annotations leaves the annotations out: the rule tests that check
// when each alert fires (tests/alerts/firing.test.yml) compare labels only;
// tests/alerts/annotations.test.yml checks the annotations of the shipped file.

const thresholds = {
  job: 'job="zpull"',                 // the scrape job(s) of zpull instances (a label matcher)
  down_for: '5m',                     // ZpullDown / ZpullAbsent wait this long
  check_failing_for: '30m',           // a check failing to run this long (several parity.interval / scrub.interval)
  lag_intervals: 3,                   // lag may reach this many intervals ...
  lag_grace_seconds: 3600,            // ... plus this, before ZpullReplicationLagHigh
  failing_window: '6h',               // failures counted over this window ...
  failing_intervals: 3,               // ... and no success within this many intervals
  never_succeeded_intervals: 2,       // scheduled this many intervals ago and never succeeded
  stall_window: '15m',                // a cycle moving no bytes for this long is stalled
  source_stale_intervals: 3,          // newest source snapshot older than this many intervals ...
  source_stale_grace_seconds: 3600,   // ... plus this
  scrub_max_age_seconds: 35 * 86400,  // last completed scrub older than this
  pool_full_ratio: 0.85,              // allocated / size above this
  pool_full_days: 14,                 // free space gone within this many days at the rate of ...
  pool_fill_window: '1d',             // ... this window, by its linear fit and by its net change alike
  vdev_errors_max: 0,                 // a vdev's read, write or checksum error count above this
  hold_max_age_seconds: 7 * 86400,    // zpull's oldest hold older than this
  token_max_age_seconds: 6 * 3600,    // a resume token seen for longer than this
  drill_overdue_intervals: 2,         // no successful drill within this many drill.every
  notify_window: '30m',               // notification deliveries all failing over this window
  runbook: 'https://github.com/zpull/zpull/blob/main/docs/runbook.md',
};

const args = process.argv.slice(2);
let forOverride = null;
let annotations = true;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--no-annotations') {
    annotations = false;
  } else if (args[i] === '--for') {
    forOverride = args[++i];
  } else if (args[i] === '--set') {
    const [name, ...rest] = (args[++i] ?? '').split('=');
    if (!(name in thresholds) || rest.length === 0) {
      console.error(`generate.mjs: unknown threshold '${name}' (known: ${Object.keys(thresholds).join(', ')})`);
      process.exit(2);
    }
    const value = rest.join('=');
    thresholds[name] = typeof thresholds[name] === 'number' ? Number(value) : value;
    if (Number.isNaN(thresholds[name])) {
      console.error(`generate.mjs: ${name} needs a number, got '${value}'`);
      process.exit(2);
    }
  } else {
    console.error(`usage: generate.mjs [--set NAME=VALUE]... [--for DURATION] [--no-annotations]`);
    process.exit(2);
  }
}
const t = thresholds;
const by = 'instance, job, dataset';
const pool = 'instance, job, host, pool';
const active = `unless on (${by}) zpull_replication_paused == 1`;

// Each alert: name, severity, for, expr, summary, description. The runbook
// anchor is the alert's name in lower case.
const groups = [
  {
    name: 'zpull-availability',
    alerts: [
      ['ZpullDown', 'critical', t.down_for, `up{${t.job}} == 0`,
        'zpull on {{ $labels.instance }} is down',
        'Prometheus cannot scrape zpull at {{ $labels.instance }}: nothing is replicated, checked or reported there. ' +
        'Check `systemctl status zpull` and its journal on that host.'],
      ['ZpullAbsent', 'critical', t.down_for, `absent(up{${t.job}})`,
        'No zpull instance is scraped',
        'No target of the zpull job exists in Prometheus: the scrape configuration or service discovery lost them.'],
      // Drills are left out: one that cannot run is a ZpullRestoreDrillFailed
      // outcome already, and is run again only at its next drill.every.
      ['ZpullCheckFailing', 'warning', t.check_failing_for, 'zpull_check_success{check!="drill"} == 0',
        'The {{ $labels.check }} check of {{ $labels.target }} on {{ $labels.instance }} cannot run',
        'zpull has not been able to run its {{ $labels.check }} check of {{ $labels.target }} (host ' +
        '{{ $labels.host }}) for ' + t.check_failing_for + ': what that check reports is stale, and the alerts ' +
        'built on it cannot fire. The daemon\'s log says why (`journalctl -u zpull`).'],
      ['ZpullNotificationsFailing', 'warning', '15m',
        `sum by (instance, job, kind) (increase(zpull_notification_failures_total[${t.notify_window}])) > 0 ` +
        `unless on (instance, job, kind) sum by (instance, job, kind) ` +
        `(increase(zpull_notifications_sent_total[${t.notify_window}])) > 0`,
        'zpull on {{ $labels.instance }} cannot deliver its {{ $labels.kind }} notifications',
        'Every {{ $labels.kind }} delivery of the last ' + t.notify_window + ' failed and none succeeded: the ' +
        'receivers hear nothing from zpull (a healthcheck service then reports zpull as down). The status page ' +
        'shows the last delivery\'s error; the log names the host.'],
    ],
  },
  {
    name: 'zpull-replication',
    alerts: [
      ['ZpullReplicationFailing', 'critical', '15m',
        `sum by (${by}) (increase(zpull_replication_failed_runs_total[${t.failing_window}])) > 0 ` +
        `unless on (${by}) (time() - zpull_replication_last_success_timestamp_seconds ` +
        `< ${t.failing_intervals} * zpull_replication_interval_seconds) ${active}`,
        'Replication of {{ $labels.dataset }} on {{ $labels.instance }} is failing',
        'Cycles of {{ $labels.dataset }} failed in the last ' + t.failing_window + ' and none succeeded within ' +
        t.failing_intervals + ' intervals. `zpull_replication_failures_total` names the reason; ' +
        'docs/failure-reasons.md says what to do for each.'],
      // Without a last success ReplicationFailing fires on any failure and
      // LagHigh has no lag to compare: this one covers a dataset that neither
      // succeeds nor fails (a first send still running, a cycle never started).
      ['ZpullNeverReplicated', 'warning', '15m',
        `time() - zpull_replication_first_scheduled_timestamp_seconds > on (${by}) ` +
        `(${t.never_succeeded_intervals} * zpull_replication_interval_seconds) ` +
        `unless on (${by}) zpull_replication_last_success_timestamp_seconds ` +
        `unless on (${by}) (sum by (${by}) (increase(zpull_replication_failed_runs_total[${t.failing_window}])) > 0) ` +
        `${active}`,
        '{{ $labels.dataset }} on {{ $labels.instance }} has never been replicated',
        'zpull has scheduled {{ $labels.dataset }} for {{ $value | humanizeDuration }}, more than ' +
        t.never_succeeded_intervals + ' intervals, and no cycle of it has succeeded yet, nor failed in the last ' +
        t.failing_window + ': there is no backup of it. A first full send may still be running (`zpull status`), ' +
        'or its cycles do not start.'],
      ['ZpullReplicationLagHigh', 'warning', '15m',
        `zpull_replication_lag_seconds > on (${by}) ` +
        `(${t.lag_intervals} * zpull_replication_interval_seconds + ${t.lag_grace_seconds}) ${active}`,
        '{{ $labels.dataset }} on {{ $labels.instance }} is {{ $value | humanizeDuration }} behind its source',
        'The newest snapshot {{ $labels.dataset }} shares with its source is {{ $value | humanizeDuration }} old, ' +
        'more than ' + t.lag_intervals + ' intervals. Look for failing cycles, a paused dataset, or a source that takes ' +
        'no snapshots (snapshot: false).'],
      ['ZpullTransferStalled', 'warning', '5m',
        `(zpull_replication_in_progress == 1 and on (${by}) ` +
        `rate(zpull_replication_bytes_total[${t.stall_window}]) == 0 ` +
        `and on (${by}) (time() - zpull_replication_last_attempt_timestamp_seconds > ${durationSeconds(t.stall_window)})) ` +
        `or on (${by}) (sum by (${by}) (increase(zpull_replication_failures_total{reason="stalled"}[1h])) > 0) ` +
        // A reason's series is born at its first count, which increase() misses.
        `or on (${by}) (sum by (${by}) (zpull_replication_failures_total{reason="stalled"} > 0 ` +
        `unless zpull_replication_failures_total{reason="stalled"} offset 1h))`,
        'A transfer of {{ $labels.dataset }} on {{ $labels.instance }} is stalled',
        'A cycle of {{ $labels.dataset }} has moved no bytes for ' + t.stall_window + ', or a transfer was aborted ' +
        'as stalled in the last hour. Check the network path and the source (`zpull status`).'],
      ['ZpullSourceSnapshotsStale', 'warning', '30m',
        `time() - zpull_source_newest_snapshot_timestamp_seconds > on (${by}) ` +
        `(${t.source_stale_intervals} * zpull_replication_interval_seconds + ${t.source_stale_grace_seconds})`,
        'The source of {{ $labels.dataset }} has no recent snapshot',
        'The newest snapshot on the source of {{ $labels.dataset }} is older than ' + t.source_stale_intervals +
        ' intervals. With snapshot: false, the tool that takes them (sanoid, cron) is not running; otherwise zpull ' +
        'cannot snapshot the source (see ZpullReplicationFailing).'],
    ],
  },
  {
    name: 'zpull-parity',
    alerts: [
      ['ZpullParityHoles', 'warning', '30m', 'zpull_parity_holes > 0',
        '{{ $labels.dataset }} misses {{ $value }} snapshots between replicated ones',
        'Source snapshots older than the newest common one are missing on the destination of {{ $labels.dataset }} ' +
        '(`zpull verify` lists them). Usually a snapshot filter or destination retention removed them; if not, ' +
        'restores of those points in time are impossible.'],
      ['ZpullGuidMismatch', 'critical', '5m', 'zpull_parity_guid_mismatches > 0',
        '{{ $labels.dataset }} has snapshots whose guid differs from the source',
        'A destination snapshot of {{ $labels.dataset }} has the name of a source snapshot but another guid: it is ' +
        'not a copy of it. Do not rely on it for restores; `zpull verify` names it.'],
      ['ZpullDiverged', 'critical', '15m', 'zpull_parity_diverged_snapshots > 0',
        '{{ $labels.dataset }} has diverged from its source',
        'The destination of {{ $labels.dataset }} has snapshots newer than the newest one shared with the source; ' +
        'replication stops until someone decides (docs/failure-reasons.md, diverged).'],
      ['ZpullDestinationModified', 'warning', '1h', 'zpull_parity_destination_written_bytes > 0',
        'The replica {{ $labels.dataset }} was written to',
        'The destination of {{ $labels.dataset }} changed since its newest snapshot ({{ $value | humanize1024 }}B); ' +
        'the next incremental fails with destination_modified. Keep replicas unmounted or read-only.'],
      ['ZpullReplicaUnsafe', 'critical', '30m', 'zpull_replica_unsafe_properties > 0',
        'The replica {{ $labels.dataset }} could harm the backup host',
        '{{ $value }} properties of {{ $labels.dataset }} or datasets below it would mount it by themselves, ' +
        'run setuid files or device nodes, or keep a mountpoint a stream brought (`zpull verify` names them). ' +
        'zpull sets them back in the next cycle; if they stay, that is failing.'],
    ],
  },
  {
    name: 'zpull-pools',
    alerts: [
      ['ZpullScrubOverdue', 'warning', '1h',
        `time() - zpull_scrub_last_completed_timestamp_seconds > ${t.scrub_max_age_seconds}`,
        'Pool {{ $labels.pool }} on {{ $labels.host }} was last scrubbed {{ $value | humanizeDuration }} ago',
        'Scrubs find silent corruption while a good copy still exists. Start one (`zpool scrub {{ $labels.pool }}`) ' +
        'or let zpull do it (scrub.every).'],
      ['ZpullPoolNeverScrubbed', 'info', '3d',
        `zpull_scrub_in_progress == 0 unless on (${pool}) zpull_scrub_last_completed_timestamp_seconds`,
        'Pool {{ $labels.pool }} on {{ $labels.host }} has no completed scrub',
        'zpull has watched pool {{ $labels.pool }} for three days without seeing a completed scrub.'],
      ['ZpullScrubErrors', 'critical', '1m',
        `zpull_scrub_errors > 0 or zpull_pool_permanent_errors > 0`,
        'Pool {{ $labels.pool }} on {{ $labels.host }} has data errors',
        'The last scrub of {{ $labels.pool }} found errors it could not repair, or the pool reports permanent ' +
        'errors (`zpool status -v {{ $labels.pool }}` lists the files). Restore them from another copy and replace failing disks.'],
      ['ZpullVdevErrors', 'warning', '15m', `zpull_vdev_errors > ${t.vdev_errors_max}`,
        '{{ $labels.vdev }} in pool {{ $labels.pool }} on {{ $labels.host }} has {{ $value }} {{ $labels.type }} errors',
        'zpool status counts {{ $value }} {{ $labels.type }} errors on {{ $labels.vdev }} of {{ $labels.pool }} ' +
        'since the pool was imported or last cleared. Look at the device (`zpool status -v {{ $labels.pool }}`, ' +
        '`smartctl -a`, cabling) and `zpool clear {{ $labels.pool }}` once it is fixed.'],
      ['ZpullPoolNotOnline', 'critical', '5m', 'zpull_pool_health{state!="ONLINE"} == 1',
        'Pool {{ $labels.pool }} on {{ $labels.host }} is {{ $labels.state }}',
        'A degraded pool has lost redundancy; a faulted or unavailable one cannot take backups. `zpool status ' +
        '{{ $labels.pool }}` shows which device.'],
      ['ZpullPoolNearlyFull', 'warning', '30m',
        `zpull_pool_allocated_bytes / zpull_pool_size_bytes > ${t.pool_full_ratio}`,
        'Pool {{ $labels.pool }} on {{ $labels.host }} is {{ $value | humanizePercentage }} full',
        'Receives fail with out_of_space when the pool fills, and ZFS slows down well before. Shorten retention or add space.'],
      // Two estimates of the rate over the same window, a day or more, must
      // agree for 6h: the linear fit (smooths noise, but a step within the
      // window tilts it for hours) and the net change since the window's
      // start (counts a day's receives whenever in the day they land, and
      // forgets space taken and given back). A few hours' fit extrapolated
      // 14 days made every nightly receive or test restore a trend.
      ['ZpullPoolFillingUp', 'warning', '6h',
        `predict_linear(zpull_pool_free_bytes[${t.pool_fill_window}], ${t.pool_full_days} * 86400) < 0 ` +
        `and zpull_pool_free_bytes < ${t.pool_full_days * 86400 / durationSeconds(t.pool_fill_window)} * ` +
        `(zpull_pool_free_bytes offset ${t.pool_fill_window} - zpull_pool_free_bytes)`,
        'Pool {{ $labels.pool }} on {{ $labels.host }} fills up within ' + t.pool_full_days + ' days',
        'At the rate its free space fell over the last ' + t.pool_fill_window + ' (its linear fit and its net ' +
        'change agree, and have for 6h), pool {{ $labels.pool }} runs out of space within ' + t.pool_full_days +
        ' days, and receives then fail with out_of_space. Find what grows ' +
        '(`zfs list -o space -r {{ $labels.pool }}`), then shorten retention or add space.'],
    ],
  },
  {
    name: 'zpull-inventory',
    alerts: [
      ['ZpullStaleHold', 'warning', '1h', `time() - zpull_hold_oldest_timestamp_seconds > ${t.hold_max_age_seconds}`,
        'zpull holds a snapshot of {{ $labels.dataset }} ({{ $labels.side }}) for {{ $value | humanizeDuration }}',
        'zpull holds the newest replicated snapshot so that retention cannot destroy the incremental base; the hold ' +
        'moves every cycle. An old hold means replication of {{ $labels.dataset }} stopped, or a hold was left ' +
        'behind (`zfs holds`; `zfs release TAG SNAPSHOT` after checking).'],
      ['ZpullStaleResumeToken', 'warning', '15m',
        `zpull_resume_token_present == 1 and on (${by}) ` +
        `time() - zpull_resume_token_since_timestamp_seconds > ${t.token_max_age_seconds}`,
        '{{ $labels.dataset }} keeps an interrupted receive',
        'The destination of {{ $labels.dataset }} has had a receive_resume_token for a long time: zpull could not ' +
        'resume it. `zfs receive -A` discards it (the next cycle sends again).'],
    ],
  },
  {
    name: 'zpull-drills',
    alerts: [
      ['ZpullRestoreDrillFailed', 'critical', '1m', 'zpull_drill_last_outcome{outcome!="ok"} == 1',
        'Restore drill of {{ $labels.dataset }} failed: {{ $labels.outcome }}',
        'The last restore drill of {{ $labels.dataset }} could not read the backup back as on the source ' +
        '(docs/restore-drills.md, ' + '{{ $labels.outcome }}). Run `zpull drill {{ $labels.dataset }}` to see the details.'],
      ['ZpullRestoreDrillOverdue', 'warning', '2h',
        `time() - zpull_drill_last_success_timestamp_seconds > on (${by}) ` +
        `(${t.drill_overdue_intervals} * zpull_drill_interval_seconds) ` +
        `or on (${by}) (zpull_drill_interval_seconds unless on (${by}) zpull_drill_last_success_timestamp_seconds)`,
        'No successful restore drill of {{ $labels.dataset }} recently',
        'Drills of {{ $labels.dataset }} are due every drill.every, and none succeeded within ' +
        t.drill_overdue_intervals + ' of those (or ever).'],
    ],
  },
];

function durationSeconds(d) {
  const units = { s: 1, m: 60, h: 3600, d: 86400 };
  const m = /^(\d+)([smhd])$/.exec(d);
  if (!m) throw new Error(`bad duration ${d}`);
  return Number(m[1]) * units[m[2]];
}

const q = (s) => JSON.stringify(s);  // a YAML double-quoted scalar
const out = ['# Generated by alerts/generate.mjs; tune with its --set (docs/alerts.md) rather than by hand.', 'groups:'];
for (const g of groups) {
  out.push(`  - name: ${g.name}`, '    rules:');
  for (const [name, severity, forDuration, expr, summary, description] of g.alerts) {
    out.push(
      `      - alert: ${name}`,
      `        expr: ${q(expr)}`,
      `        for: ${forOverride ?? forDuration}`,
      '        labels:',
      `          severity: ${severity}`,
    );
    if (!annotations) continue;
    out.push(
      '        annotations:',
      `          summary: ${q(summary)}`,
      `          description: ${q(description)}`,
      `          runbook_url: ${q(`${t.runbook}#${name.toLowerCase()}`)}`,
    );
  }
}
console.log(out.join('\n'));
