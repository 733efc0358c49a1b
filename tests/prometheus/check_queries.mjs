#!/usr/bin/env node
// Evaluates every PromQL expression of the dashboard and of the rule file
// through Prometheus's HTTP API. Each must be valid; each dashboard query
// must also return data, unless its panel is on the allow-list
// (dashboards/README.md says why each is there).
// Usage: check_queries.mjs PROMETHEUS_URL DASHBOARD_JSON RULES_YML
import fs from 'node:fs';

const [url, dashboardFile, rulesFile] = process.argv.slice(2);
// Panels whose queries may be empty on this system (zfs-fuse, no cycle
// running at the moment of the check), each with the reason.
const allowEmpty = new Map([
  ['Running transfers', 'rows only while a cycle runs; progress only on OpenZFS (send -nvP)'],
  ['Source writes since the newest snapshot', 'only on OpenZFS (written)'],
]);
// Grafana's variables, as an instance with every option selected sees them.
const substitute = (e) => e.replaceAll('$job', 'zpull').replaceAll('$instance', '.*').replaceAll('$dataset', '.*')
  .replaceAll('$__rate_interval', '30s').replaceAll('$__range', '1h');

const queries = [];
const dashboard = JSON.parse(fs.readFileSync(dashboardFile, 'utf8'));
for (const p of dashboard.panels) {
  for (const t of p.targets ?? []) queries.push({ where: `panel "${p.title}" ${t.refId}`, expr: t.expr, needsData: !allowEmpty.has(p.title) });
}
for (const v of dashboard.templating.list) {
  const m = /^label_values\((.*), (\w+)\)$/.exec(v.query?.query ?? '');
  if (m) queries.push({ where: `variable ${v.name}`, expr: `group by (${m[2]}) (${m[1]})`, needsData: true });
}
for (const line of fs.readFileSync(rulesFile, 'utf8').split('\n')) {
  const m = /^\s+expr: (".*")$/.exec(line);
  if (m) queries.push({ where: 'rule', expr: JSON.parse(m[1]), needsData: false });
}

let failed = 0;
for (const q of queries) {
  const expr = substitute(q.expr);
  const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = await res.json();
  if (body.status !== 'success') {
    console.log(`INVALID ${q.where}: ${expr}: ${body.error}`);
    failed++;
  } else if (q.needsData && body.data.result.length === 0) {
    console.log(`NO DATA ${q.where}: ${expr}`);
    failed++;
  }
}
console.log(`${queries.length} expressions evaluated, ${failed} failed`);
process.exit(failed ? 1 : 0);
