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
const thresholds = (steps, mode = 'absolute') => ({ mode, steps: steps.map(([value, color]) => ({ value, color })) });
// A value shown as text in a colour instead of the number (sentinels such as -1 for "never").
const valueText = (value, text, color) => ({ type: 'value', options: { [String(value)]: { text, color, index: 0 } } });
// Every stat and table says what it shows and what to do when it is red.
const stat = (title, x, w, h, targets, unit, steps, description, extra = {}) => {
  const p = panel('stat', title, { h, w, x, y }, targets, { unit, thresholds: thresholds(steps, extra.mode), ...extra.fc },
    { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'background',
      graphMode: 'none', textMode: 'auto', ...extra.options }, { description });
  p.fieldConfig.overrides = extra.overrides ?? [];
  return p;
};
// Instant queries, one column each, joined on their common labels. Grafana
// keeps __name__ (and labels such as side) as columns; where they differ
// between the queries, merge would keep their rows apart: they are dropped
// before the merge.
const table = (title, x, w, h, targets, description, overrides = [], extra = {}) => {
  const p = panel('table', title, { h, w, x, y }, targets.map(([e, l]) => [e, l, { format: 'table', instant: true }]), {},
    { showHeader: true, cellHeight: 'sm', ...extra.options }, { description });
  const drop = Object.fromEntries(['Time', 'job', '__name__', ...(extra.drop ?? [])].map((f) => [f, true]));
  p.transformations = [
    { id: 'organize', options: { excludeByName: drop } },
    { id: 'merge', options: {} },
  ];
  p.fieldConfig.overrides = overrides;
  return p;
};
const rename = (field, name, unit) => ({
  matcher: { id: 'byName', options: field },
  properties: [{ id: 'displayName', value: name }, ...(unit ? [{ id: 'unit', value: unit }] : [])],
});
// A table column with a name, unit, thresholds colouring its cell (or, with
// row: true, the whole row where Grafana can: 10.4 and later), and mappings.
const column = (field, name, { unit, decimals, steps, row: wholeRow, mappings } = {}) => ({
  matcher: { id: 'byName', options: field },
  properties: [
    { id: 'displayName', value: name },
    ...(unit ? [{ id: 'unit', value: unit }] : []),
    ...(decimals !== undefined ? [{ id: 'decimals', value: decimals }] : []),
    ...(steps ? [{ id: 'thresholds', value: thresholds(steps) },
      { id: 'custom.cellOptions', value: { type: 'color-background', mode: 'basic', ...(wholeRow ? { applyToRow: true } : {}) } }] : []),
    ...(mappings ? [{ id: 'mappings', value: mappings }] : []),
  ],
});
const timeseries = (title, x, w, h, targets, unit, description, fc = {}) =>
  panel('timeseries', title, { h, w, x, y }, targets, { unit, custom: { fillOpacity: 10, lineWidth: 1 }, ...fc },
    { legend: { displayMode: 'table', placement: 'bottom', calcs: ['lastNotNull', 'max'] }, tooltip: { mode: 'multi', sort: 'desc' } },
    { description });

// Datasets that never replicated: every configured dataset has
// zpull_replication_interval_seconds from the start; lag and last success
// appear with the first success (or are read back from the destination after
// a restart). `orNever(expr)` is expr per dataset, or -1 ("never") for a
// dataset with no success yet, so that every dataset has a row.
const byDataset = 'on (instance, job, dataset)';
const never = `(0 * zpull_replication_interval_seconds{${dsel}} - 1 unless ${byDataset} zpull_replication_last_success_timestamp_seconds{${dsel}})`;
const orNever = (expr) => `(${expr}) or ${byDataset} ${never}`;
const neverText = [valueText(-1, 'never', 'red')];
// Lag in multiples of the dataset's own interval: about 1 is normal (the
// newest snapshot is taken each interval), the alert ZpullReplicationLagHigh
// fires from 3 intervals (plus an hour of grace).
const lagIntervals = orNever(`zpull_replication_lag_seconds{${dsel}} / ${byDataset} zpull_replication_interval_seconds{${dsel}}`);
const lagSteps = [[null, 'green'], [1.5, 'orange'], [3, 'red']];

const panels = [];
// Row 1: are my backups current and restorable?
panels.push(row('Are my backups current and restorable?'));
panels.push(
  stat('Worst replication lag', 0, 4, 4,
    [[`(min(${lagIntervals}) < 0) or max(${lagIntervals})`, 'lag']], 'suffix:intervals', lagSteps,
    'The largest lag of the selected datasets, in multiples of each one\'s own interval (lag / interval; ' +
    'about 1 is normal). Orange from 1.5, red from 3 intervals; "never" if a dataset has not replicated yet. ' +
    'Red: find the dataset in "Replication lag per dataset", then its reason in "Failures by reason".',
    { fc: { decimals: 1, mappings: neverText } }),
  stat('Datasets failing', 4, 4, 4,
    [[`count(sum by (instance, dataset) (increase(zpull_replication_failed_runs_total{${dsel}}[1h])) > 0) or vector(0)`, 'failing']],
    'none', [[null, 'green'], [1, 'red']],
    'Datasets with a failed replication cycle in the last hour. Red: "Failures by reason" names the reason; ' +
    'docs/failure-reasons.md says what to do for each.'),
  stat('Parity problems', 8, 4, 4,
    [[`sum(zpull_parity_holes{${dsel}}) + sum(zpull_parity_guid_mismatches{${dsel}}) + sum(zpull_parity_diverged_snapshots{${dsel}})`, 'problems']],
    'none', [[null, 'green'], [1, 'red']],
    'Holes, guid mismatches and diverged snapshots of all datasets, from the last parity check. Red: the ' +
    '"Snapshot parity" table names the dataset; zpull verify lists the snapshots (docs/verify.md).'),
  stat('Restore drills failing', 12, 4, 4, [[`sum(zpull_drill_last_outcome{${dsel},outcome!="ok"}) or vector(0)`, 'failing']],
    'none', [[null, 'green'], [1, 'red']],
    'Datasets whose last restore drill failed. Red: the "Restore drills" table names the outcome; ' +
    'zpull drill DATASET shows the details (docs/restore-drills.md).'),
  stat('Pools not ONLINE', 16, 4, 4, [[`sum(zpull_pool_health{${sel},state!="ONLINE"}) or vector(0)`, 'pools']],
    'none', [[null, 'green'], [1, 'red']],
    'Watched pools (backup host and sources) in a state other than ONLINE. Red: zpool status POOL names the ' +
    'device ("Vdev errors" counts its errors); replace or reattach it.'),
  // Up against expected: with min 0 and no max, Grafana scales percentage
  // thresholds to the largest value of the panel, the expected count.
  stat('zpull instances up', 20, 4, 4, [
    [`count(up{${sel}} == 1) or vector(0)`, 'up', { instant: true }],
    [`count(up{${sel}})`, 'expected', { instant: true }],
  ], 'none', [[null, 'red'], [100, 'green']],
    'zpull targets Prometheus scrapes successfully (up) of all it knows (expected). Red: fewer are up than ' +
    'expected: nothing is replicated or reported there. Check systemctl status zpull and its journal on the ' +
    'missing instance (alert ZpullDown).',
    { mode: 'percentage', fc: { min: 0 }, options: { textMode: 'value_and_name' },
      overrides: [{ matcher: { id: 'byFrameRefID', options: 'B' },
        properties: [{ id: 'color', value: { mode: 'fixed', fixedColor: 'blue' } }] }] }),
);
y += 4;
panels.push(
  table('Replication lag per dataset', 0, 24, 6, [
    [orNever(`zpull_replication_lag_seconds{${dsel}}`), 'lag'],
    [lagIntervals, 'lag in intervals'],
    [orNever(`time() - zpull_replication_last_success_timestamp_seconds{${dsel}}`), 'since last success'],
    [`zpull_replication_interval_seconds{${dsel}}`, 'interval'],
  ], 'Per dataset: lag (data age on the destination), the lag in multiples of its interval (green below 1.5, ' +
    'orange to 3, red from 3; Grafana 10.4+ colours the row), time since the last successful cycle, and the ' +
    'interval. "never": no successful cycle yet (a first full send may still run). Red: "Failures by reason" ' +
    'and the Datasets table (paused?) say why.', [
    column('Value #A', 'lag', { unit: 's', mappings: neverText }),
    column('Value #B', 'lag in intervals', { decimals: 1, steps: lagSteps, row: true, mappings: neverText }),
    column('Value #C', 'since last success', { unit: 's', mappings: neverText }),
    column('Value #D', 'interval', { unit: 's' })]),
);
y += 6;

panels.push(row('Replication'));
panels.push(
  // "never" is -1, below the axis' minimum: only legend and tooltip show it.
  timeseries('Replication lag', 0, 12, 8, [[orNever(`zpull_replication_lag_seconds{${dsel}} + 0`), '{{dataset}}']], 's',
    'Data age on the destination: now minus the creation of the newest snapshot both sides share (by guid); ' +
    '"never" in the legend: no successful cycle yet. A line that climbs past its interval without dropping ' +
    'back means cycles fail or stopped ("Failures by reason").',
    { min: 0, mappings: neverText }),
  timeseries('Transfer rate', 12, 12, 8, [
    [`sum by (dataset) (rate(zpull_replication_bytes_total{${dsel}}[$__rate_interval]))`, '{{dataset}} stream'],
    [`sum by (dataset) (rate(zpull_replication_wire_bytes_total{${dsel}}[$__rate_interval]))`, '{{dataset}} wire'],
  ], 'Bps', 'Bytes per second received, counted live during transfers; wire < stream with compress: zstd. ' +
    'Flat at 0 while a transfer runs: it is stalled (alert ZpullTransferStalled); check the network and the source.'),
);
y += 8;
panels.push(
  table('Running transfers', 0, 12, 7, [
    [`zpull_replication_in_progress{${dsel}} == 1`, 'running'],
    [`zpull_replication_cycle_bytes{${dsel}} and on (instance, dataset) zpull_replication_in_progress == 1`, 'bytes'],
    [`zpull_replication_cycle_bytes{${dsel}} / zpull_replication_expected_bytes{${dsel}} and on (instance, dataset) zpull_replication_in_progress == 1`, 'progress'],
    [`time() - zpull_replication_last_attempt_timestamp_seconds{${dsel}} and on (instance, dataset) zpull_replication_in_progress == 1`, 'running for'],
  ], 'Cycles running now (empty between cycles); progress needs zfs send -nvP (OpenZFS). Not coloured: a ' +
    'running for far above the usual cycle duration with no growth in received is a stalled transfer.', [
    rename('Value #A', 'running'), rename('Value #B', 'received', 'bytes'),
    rename('Value #C', 'progress', 'percentunit'), rename('Value #D', 'running for', 's')]),
  timeseries('Failures by reason', 12, 12, 7,
    // A reason's series is born at its first failure, which increase() misses.
    [[`sum by (dataset, reason) ((increase(zpull_replication_failures_total{${dsel}}[$__rate_interval]) > 0) or ` +
      `(zpull_replication_failures_total{${dsel}} > 0 unless zpull_replication_failures_total{${dsel}} offset $__rate_interval))`,
      '{{dataset}}: {{reason}}']],
    'none', 'Failed cycles by reason; docs/failure-reasons.md explains each and what to do.'),
);
y += 7;
panels.push(
  timeseries('Cycle duration', 0, 12, 7, [[`zpull_replication_last_duration_seconds{${dsel}}`, '{{dataset}}']], 's',
    'Duration of the last finished cycle per dataset. A duration near or above the interval makes the lag grow: ' +
    'lengthen the interval or look at the transfer rate.'),
  table('Datasets', 12, 12, 7, [
    [`zpull_snapshots{${dsel},side="source"}`, 'source snapshots'],
    [`zpull_snapshots{${dsel},side="destination"}`, 'destination snapshots'],
    [`zpull_replication_paused{${dsel}}`, 'paused'],
    [`zpull_replication_interval_seconds{${dsel}}`, 'interval'],
  ], 'Snapshots per side as of the last cycle, pause state and interval. Not coloured: paused 1 means ' +
    'zpull pause stopped its cycles (zpull resume starts them).', [
    rename('Value #A', 'source snapshots'), rename('Value #B', 'destination snapshots'),
    rename('Value #C', 'paused'), rename('Value #D', 'interval', 's')], { drop: ['side'] }),
);
y += 7;

panels.push(row('Snapshot parity'));
panels.push(table('Snapshot parity', 0, 24, 7, [
  [`zpull_parity_not_replicated_snapshots{${dsel}}`, 'not yet replicated'],
  [`zpull_parity_holes{${dsel}}`, 'holes'],
  [`zpull_parity_guid_mismatches{${dsel}}`, 'guid mismatch'],
  [`zpull_parity_diverged_snapshots{${dsel}}`, 'diverged'],
  [`time() - zpull_source_newest_snapshot_timestamp_seconds{${dsel}}`, 'newest source snapshot age'],
], 'Source and destination snapshot lists compared by guid (docs/verify.md). Red: holes, guid mismatches or ' +
  'diverged snapshots; zpull verify DATASET names them and docs/verify.md says what to do.', [
  rename('Value #A', 'not yet replicated'),
  column('Value #B', 'holes', { steps: [[null, 'green'], [1, 'red']] }),
  column('Value #C', 'guid mismatch', { steps: [[null, 'green'], [1, 'red']] }),
  column('Value #D', 'diverged', { steps: [[null, 'green'], [1, 'red']] }),
  rename('Value #E', 'newest source snapshot age', 's')]));
y += 7;

panels.push(row('Pools and scrubs'));
panels.push(
  table('Scrubs', 0, 14, 7, [
    [`time() - zpull_scrub_last_completed_timestamp_seconds{${sel}}`, 'since last scrub'],
    [`zpull_scrub_errors{${sel}}`, 'errors'],
    [`zpull_scrub_repaired_bytes{${sel}}`, 'repaired'],
    [`zpull_scrub_in_progress{${sel}}`, 'in progress'],
    [`zpull_pool_permanent_errors{${sel}}`, 'permanent errors'],
  ], 'The last completed scrub of every watched pool. Red: errors the scrub could not repair or files with ' +
    'permanent errors: zpool status -v POOL lists them; restore them from another copy and replace failing disks.', [
    rename('Value #A', 'since last scrub', 's'),
    column('Value #B', 'errors', { steps: [[null, 'green'], [1, 'red']] }),
    rename('Value #C', 'repaired', 'bytes'),
    rename('Value #D', 'in progress'),
    column('Value #E', 'permanent errors', { steps: [[null, 'green'], [1, 'red']] })]),
  table('Pool health and space', 14, 10, 7, [
    [`zpull_pool_health{${sel}} == 1`, 'health'],
    [`zpull_pool_allocated_bytes{${sel}} / zpull_pool_size_bytes{${sel}}`, 'used'],
    [`zpull_pool_free_bytes{${sel}}`, 'free'],
  ], 'Pool state (the state column) and space. Red: more than 85% used (alert ZpullPoolNearlyFull); receives ' +
    'fail when the pool fills: shorten retention or add space.', [
    rename('Value #A', 'health'),
    column('Value #B', 'used', { unit: 'percentunit', steps: [[null, 'green'], [0.75, 'orange'], [0.85, 'red']] }),
    rename('Value #C', 'free', 'bytes')]),
);
y += 7;
panels.push(
  table('Vdev errors', 0, 14, 7, [
    [`zpull_vdev_errors{${sel},type="read"}`, 'read'],
    [`zpull_vdev_errors{${sel},type="write"}`, 'write'],
    [`zpull_vdev_errors{${sel},type="checksum"}`, 'checksum'],
  ], 'Read, write and checksum errors of each vdev as zpool status counts them (since import or zpool clear). ' +
    'Red: a disk or its path (cable, controller) fails: check zpool status POOL and the disk\'s SMART data, ' +
    'replace it (zpool replace), then zpool clear POOL.', [
    column('Value #A', 'read', { steps: [[null, 'green'], [1, 'red']] }),
    column('Value #B', 'write', { steps: [[null, 'green'], [1, 'red']] }),
    column('Value #C', 'checksum', { steps: [[null, 'green'], [1, 'red']] })],
  { drop: ['type'], options: { sortBy: [{ displayName: 'checksum', desc: true }] } }),
  // Free bytes over the slope of their linear fit over 1d (deriv, the fit
  // ZpullPoolFillingUp's predict_linear extrapolates, over its window), for
  // pools losing space; -1 ("not filling") for the others, so that every
  // pool has a value.
  stat('Days until pool full', 14, 10, 7, [[
    `(zpull_pool_free_bytes{${sel}} / (-deriv(zpull_pool_free_bytes{${sel}}[1d]) > 0) / 86400) ` +
    `or (0 * zpull_pool_free_bytes{${sel}} - 1)`, '{{pool}} ({{host}})', { instant: true }]],
  'suffix:days', [[null, 'red'], [7, 'orange'], [30, 'green']],
    'When each pool runs out of space if it keeps filling as in the last day (a linear fit of its free ' +
    'bytes over 1d, the window of the ZpullPoolFillingUp alert); "not filling" when its free space is steady ' +
    'or growing. Orange under 30 days, red under 7: ' +
    'shorten retention (fewer snapshots), delete data or add space before receives fail with out_of_space.',
    { fc: { decimals: 1, mappings: [valueText(-1, 'not filling', 'green')] }, options: { textMode: 'value_and_name' } }),
);
y += 7;

panels.push(row('Dataset space'));
panels.push(
  table('Dataset space', 0, 14, 8, [
    [`zpull_dataset_used_bytes{${dsel},side="source"}`, 'source used'],
    [`zpull_dataset_used_bytes{${dsel},side="destination"}`, 'destination used'],
    [`zpull_dataset_snapshots_used_bytes{${dsel},side="source"}`, 'source snapshots'],
    [`zpull_dataset_snapshots_used_bytes{${dsel},side="destination"}`, 'destination snapshots'],
  ], 'Space of each dataset on both sides (used) and the part only its snapshots hold (usedbysnapshots). ' +
    'Not coloured. The destination usually keeps more snapshots, so more of its space is theirs; a pool ' +
    'filling up ("Days until pool full") is relieved most where destination snapshots are large: shorten ' +
    'that dataset\'s retention.', [
    rename('Value #A', 'source used', 'bytes'), rename('Value #B', 'destination used', 'bytes'),
    rename('Value #C', 'source snapshots', 'bytes'), rename('Value #D', 'destination snapshots', 'bytes')],
  { drop: ['side'], options: { sortBy: [{ displayName: 'destination used', desc: true }] } }),
  timeseries('Source writes since the newest snapshot', 14, 10, 8,
    [[`zpull_source_written_bytes{${dsel}}`, '{{dataset}}']], 'bytes',
    'Bytes written on each source dataset since its newest snapshot (the written property: OpenZFS only, ' +
    'empty on zfs-fuse): data no snapshot holds yet, so no replica has it. It drops to 0 at each snapshot; ' +
    'steady growth means snapshots stopped (newest source snapshot age in "Snapshot parity").'),
);
y += 8;

panels.push(row('Restore drills'));
panels.push(table('Restore drills', 0, 24, 7, [
  [`time() - zpull_drill_last_success_timestamp_seconds{${dsel}}`, 'since last success'],
  [`zpull_drill_duration_seconds{${dsel}}`, 'duration'],
  [`zpull_drill_estimated_restore_seconds{${dsel}}`, 'estimated restore time'],
  [`zpull_drill_last_outcome{${dsel}} == 1`, 'last outcome'],
  [`zpull_drill_files_covered_ratio{${dsel}}`, 'files covered'],
], 'Restore drills (docs/restore-drills.md): the outcome column names the last result; files covered is the ' +
  'share of the snapshot\'s files read in the current rotation. An outcome other than ok: zpull drill DATASET ' +
  'shows the details.', [
  rename('Value #A', 'since last success', 's'), rename('Value #B', 'duration', 's'),
  rename('Value #C', 'estimated restore time', 's'), rename('Value #D', 'last outcome'), rename('Value #E', 'files covered', 'percentunit')]));
y += 7;

panels.push(row('zpull'));
panels.push(
  table('Instances', 0, 12, 6, [
    [`zpull_build_info{${sel}}`, 'build'],
    [`zpull_zfs_version_info{${sel}}`, 'zfs'],
  ], 'Version and revision of each zpull, and the ZFS version of every host it talks to. Not coloured.',
    [rename('Value #A', 'build'), rename('Value #B', 'zfs')]),
  timeseries('Check durations', 12, 12, 6, [[`zpull_check_duration_seconds{${sel}}`, '{{check}} {{host}} {{target}}']], 's',
    'How long parity, scrub and inventory checks take per host. A check that takes longer and longer points ' +
    'at a slow or overloaded host or pool.'),
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
