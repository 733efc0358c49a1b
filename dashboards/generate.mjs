#!/usr/bin/env node
// Writes zpull's Grafana dashboard (JSON, schemaVersion 39: Grafana 10/11)
// to stdout. The shipped dashboards/zpull.json is this script's output; a
// test keeps the two equal, checks the JSON against @grafana/schema's
// Dashboard type, and evaluates every query against a live Prometheus.
//   node dashboards/generate.mjs > dashboards/zpull.json

const sel = 'job=~"$job",instance=~"$instance"';
const ds = { type: 'prometheus', uid: '${datasource}' };
const dsel = `${sel},dataset=~"$dataset"`;
let nextId = 1;
let y = 0;

function target(expr, legend, refId, extra = {}) {
  return { datasource: ds, expr, legendFormat: legend ?? '__auto', refId, ...extra };
}
function panel(type, title, gridPos, targets, fieldConfig = {}, options = {}, extra = {}) {
  return {
    id: nextId++, type, title, datasource: ds, gridPos,
    targets: targets.map((t, i) => target(t[0], t[1], String.fromCharCode(65 + i), t[2])),
    fieldConfig: { defaults: fieldConfig, overrides: [] },
    options, ...extra,
  };
}
function row(title) {
  const r = { id: nextId++, type: 'row', title, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y }, panels: [] };
  y += 1;
  return r;
}
const thresholds = (steps) => ({ mode: 'absolute', steps: steps.map(([value, color]) => ({ value, color })) });
const stat = (title, x, w, h, targets, unit, steps, extra = {}) =>
  panel('stat', title, { h, w, x, y }, targets, { unit, thresholds: thresholds(steps), ...extra.fc },
    { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'background',
      graphMode: 'none', textMode: 'auto', ...extra.options }, extra.panel ?? {});
const table = (title, x, w, h, targets, description, overrides = []) => {
  const p = panel('table', title, { h, w, x, y }, targets.map(([e, l]) => [e, l, { format: 'table', instant: true }]), {},
    { showHeader: true, cellHeight: 'sm' }, { description });
  p.transformations = [
    { id: 'merge', options: {} },
    { id: 'organize', options: { excludeByName: { Time: true, job: true, __name__: true } } },
  ];
  p.fieldConfig.overrides = overrides;
  return p;
};
const rename = (field, name, unit) => ({
  matcher: { id: 'byName', options: field },
  properties: [{ id: 'displayName', value: name }, ...(unit ? [{ id: 'unit', value: unit }] : [])],
});
const timeseries = (title, x, w, h, targets, unit, description) =>
  panel('timeseries', title, { h, w, x, y }, targets, { unit, custom: { fillOpacity: 10, lineWidth: 1 } },
    { legend: { displayMode: 'table', placement: 'bottom', calcs: ['lastNotNull', 'max'] }, tooltip: { mode: 'multi', sort: 'desc' } },
    { description });

const panels = [];
// Row 1: are my backups current and restorable?
panels.push(row('Are my backups current and restorable?'));
panels.push(
  stat('Worst replication lag', 0, 4, 4, [[`max(zpull_replication_lag_seconds{${dsel}})`, 'lag']], 's',
    [[null, 'green'], [7200, 'orange'], [21600, 'red']]),
  stat('Datasets failing', 4, 4, 4,
    [[`count(sum by (instance, dataset) (increase(zpull_replication_failed_runs_total{${dsel}}[1h])) > 0) or vector(0)`, 'failing']],
    'none', [[null, 'green'], [1, 'red']]),
  stat('Parity problems', 8, 4, 4,
    [[`sum(zpull_parity_holes{${dsel}}) + sum(zpull_parity_guid_mismatches{${dsel}}) + sum(zpull_parity_diverged_snapshots{${dsel}})`, 'problems']],
    'none', [[null, 'green'], [1, 'red']]),
  stat('Restore drills failing', 12, 4, 4, [[`sum(zpull_drill_last_outcome{${dsel},outcome!="ok"}) or vector(0)`, 'failing']],
    'none', [[null, 'green'], [1, 'red']]),
  stat('Pools not ONLINE', 16, 4, 4, [[`sum(zpull_pool_health{${sel},state!="ONLINE"}) or vector(0)`, 'pools']],
    'none', [[null, 'green'], [1, 'red']]),
  stat('zpull instances up', 20, 4, 4, [[`sum(up{${sel}})`, 'up']], 'none', [[null, 'red'], [1, 'green']]),
);
y += 4;
panels.push(
  stat('Replication lag per dataset', 0, 12, 6, [[`zpull_replication_lag_seconds{${dsel}}`, '{{dataset}}']], 's',
    [[null, 'green'], [7200, 'orange'], [21600, 'red']], { options: { textMode: 'value_and_name' } }),
  stat('Time since last success', 12, 12, 6,
    [[`time() - zpull_replication_last_success_timestamp_seconds{${dsel}}`, '{{dataset}}']], 's',
    [[null, 'green'], [7200, 'orange'], [21600, 'red']], { options: { textMode: 'value_and_name' } }),
);
y += 6;

panels.push(row('Replication'));
panels.push(
  timeseries('Replication lag', 0, 12, 8, [[`zpull_replication_lag_seconds{${dsel}}`, '{{dataset}}']], 's',
    'Data age on the destination: now minus the creation of the newest snapshot both sides share (by guid).'),
  timeseries('Transfer rate', 12, 12, 8, [
    [`sum by (dataset) (rate(zpull_replication_bytes_total{${dsel}}[$__rate_interval]))`, '{{dataset}} stream'],
    [`sum by (dataset) (rate(zpull_replication_wire_bytes_total{${dsel}}[$__rate_interval]))`, '{{dataset}} wire'],
  ], 'Bps', 'Bytes per second received, counted live during transfers; wire < stream with compress: zstd.'),
);
y += 8;
panels.push(
  table('Running transfers', 0, 12, 7, [
    [`zpull_replication_in_progress{${dsel}} == 1`, 'running'],
    [`zpull_replication_cycle_bytes{${dsel}} and on (instance, dataset) zpull_replication_in_progress == 1`, 'bytes'],
    [`zpull_replication_cycle_bytes{${dsel}} / zpull_replication_expected_bytes{${dsel}} and on (instance, dataset) zpull_replication_in_progress == 1`, 'progress'],
    [`time() - zpull_replication_last_attempt_timestamp_seconds{${dsel}} and on (instance, dataset) zpull_replication_in_progress == 1`, 'running for'],
  ], 'Cycles running now; progress needs zfs send -nvP (OpenZFS).', [
    rename('Value #A', 'running'), rename('Value #B', 'received', 'bytes'),
    rename('Value #C', 'progress', 'percentunit'), rename('Value #D', 'running for', 's')]),
  timeseries('Failures by reason', 12, 12, 7,
    // A reason's series is born at its first failure, which increase() misses.
    [[`sum by (dataset, reason) ((increase(zpull_replication_failures_total{${dsel}}[$__rate_interval]) > 0) or ` +
      `(zpull_replication_failures_total{${dsel}} > 0 unless zpull_replication_failures_total{${dsel}} offset $__rate_interval))`,
      '{{dataset}}: {{reason}}']],
    'none', 'Failed cycles by reason; docs/failure-reasons.md explains each.'),
);
y += 7;
panels.push(
  timeseries('Cycle duration', 0, 12, 7, [[`zpull_replication_last_duration_seconds{${dsel}}`, '{{dataset}}']], 's',
    'Duration of the last finished cycle per dataset.'),
  table('Datasets', 12, 12, 7, [
    [`zpull_snapshots{${dsel},side="source"}`, 'source snapshots'],
    [`zpull_snapshots{${dsel},side="destination"}`, 'destination snapshots'],
    [`zpull_replication_paused{${dsel}}`, 'paused'],
    [`zpull_replication_interval_seconds{${dsel}}`, 'interval'],
  ], 'Snapshots per side as of the last cycle, pause state and interval.', [
    rename('Value #A', 'source snapshots'), rename('Value #B', 'destination snapshots'),
    rename('Value #C', 'paused'), rename('Value #D', 'interval', 's')]),
);
y += 7;

panels.push(row('Snapshot parity'));
panels.push(table('Snapshot parity', 0, 24, 7, [
  [`zpull_parity_not_replicated_snapshots{${dsel}}`, 'not yet replicated'],
  [`zpull_parity_holes{${dsel}}`, 'holes'],
  [`zpull_parity_guid_mismatches{${dsel}}`, 'guid mismatch'],
  [`zpull_parity_diverged_snapshots{${dsel}}`, 'diverged'],
  [`time() - zpull_source_newest_snapshot_timestamp_seconds{${dsel}}`, 'newest source snapshot age'],
], 'Source and destination snapshot lists compared by guid (docs/verify.md).', [
  rename('Value #A', 'not yet replicated'), rename('Value #B', 'holes'), rename('Value #C', 'guid mismatch'),
  rename('Value #D', 'diverged'), rename('Value #E', 'newest source snapshot age', 's')]));
y += 7;

panels.push(row('Pools and scrubs'));
panels.push(
  table('Scrubs', 0, 14, 7, [
    [`time() - zpull_scrub_last_completed_timestamp_seconds{${sel}}`, 'since last scrub'],
    [`zpull_scrub_errors{${sel}}`, 'errors'],
    [`zpull_scrub_repaired_bytes{${sel}}`, 'repaired'],
    [`zpull_scrub_in_progress{${sel}}`, 'in progress'],
    [`zpull_pool_permanent_errors{${sel}}`, 'permanent errors'],
  ], 'The last completed scrub of every watched pool.', [
    rename('Value #A', 'since last scrub', 's'), rename('Value #B', 'errors'), rename('Value #C', 'repaired', 'bytes'),
    rename('Value #D', 'in progress'), rename('Value #E', 'permanent errors')]),
  table('Pool health and space', 14, 10, 7, [
    [`zpull_pool_health{${sel}} == 1`, 'health'],
    [`zpull_pool_allocated_bytes{${sel}} / zpull_pool_size_bytes{${sel}}`, 'used'],
    [`zpull_pool_free_bytes{${sel}}`, 'free'],
  ], 'Pool state (the state column) and space.', [
    rename('Value #A', 'health'), rename('Value #B', 'used', 'percentunit'), rename('Value #C', 'free', 'bytes')]),
);
y += 7;

panels.push(row('Restore drills'));
panels.push(table('Restore drills', 0, 24, 7, [
  [`time() - zpull_drill_last_success_timestamp_seconds{${dsel}}`, 'since last success'],
  [`zpull_drill_duration_seconds{${dsel}}`, 'duration'],
  [`zpull_drill_estimated_restore_seconds{${dsel}}`, 'estimated restore time'],
  [`zpull_drill_last_outcome{${dsel}} == 1`, 'last outcome'],
  [`zpull_drill_files_covered_ratio{${dsel}}`, 'files covered'],
], 'Restore drills (docs/restore-drills.md): the outcome column names the last result; files covered is the share of the snapshot\'s files read in the current rotation.', [
  rename('Value #A', 'since last success', 's'), rename('Value #B', 'duration', 's'),
  rename('Value #C', 'estimated restore time', 's'), rename('Value #D', 'last outcome'), rename('Value #E', 'files covered', 'percentunit')]));
y += 7;

panels.push(row('zpull'));
panels.push(
  table('Instances', 0, 12, 6, [
    [`zpull_build_info{${sel}}`, 'build'],
    [`zpull_zfs_version_info{${sel}}`, 'zfs'],
  ], 'Version and revision of each zpull, and the ZFS version of every host it talks to.',
    [rename('Value #A', 'build'), rename('Value #B', 'zfs')]),
  timeseries('Check durations', 12, 12, 6, [[`zpull_check_duration_seconds{${sel}}`, '{{check}} {{host}} {{target}}']], 's',
    'How long parity, scrub and inventory checks take per host.'),
);
y += 6;

const variable = (name, label, query) => ({
  name, label, type: 'query', datasource: ds, query: { query, refId: name },
  refresh: 2, includeAll: true, multi: true, allValue: '.*',
  current: { selected: true, text: ['All'], value: ['$__all'] }, sort: 1,
});
const dashboard = {
  uid: 'zpull-overview',
  title: 'zpull: ZFS replication',
  description: 'Are the backups current and restorable? Replication lag, transfers, failures, snapshot parity, scrubs and restore drills of zpull instances.',
  tags: ['zpull', 'zfs', 'backup'],
  editable: true,
  graphTooltip: 1,
  schemaVersion: 39,
  version: 1,
  refresh: '1m',
  time: { from: 'now-24h', to: 'now' },
  timezone: 'browser',
  annotations: { list: [] },
  links: [],
  templating: {
    list: [
      { name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', refresh: 1,
        current: { selected: false, text: 'default', value: 'default' } },
      variable('job', 'Job', 'label_values(zpull_build_info, job)'),
      variable('instance', 'Instance', 'label_values(zpull_build_info{job=~"$job"}, instance)'),
      variable('dataset', 'Dataset', 'label_values(zpull_replication_runs_total{job=~"$job",instance=~"$instance"}, dataset)'),
    ],
  },
  panels,
};
console.log(JSON.stringify(dashboard, null, 2));
