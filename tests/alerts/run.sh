#!/usr/bin/env bash
# The shipped alert rules and Alertmanager example, checked offline with
# promtool and amtool: the rule file is the generator's current output, its
# alerts fire and stay silent as firing.test.yml says (and a mutated rule set
# fails those tests), annotations render, routing goes by severity.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
tmp="$(mktemp -d /tmp/zpull-alerts.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAILED: $*" >&2; exit 1; }

node "$root/alerts/generate.mjs" >"$tmp/generated.yml"
diff -u "$root/alerts/zpull.rules.yml" "$tmp/generated.yml" ||
  fail "alerts/zpull.rules.yml is not the output of alerts/generate.mjs (run: node alerts/generate.mjs > alerts/zpull.rules.yml)"
promtool check rules "$root/alerts/zpull.rules.yml"

# When each alert fires (labels only).
mkdir "$tmp/firing" "$tmp/mutant" "$tmp/shipped"
node "$root/alerts/generate.mjs" --no-annotations >"$tmp/firing/zpull.rules.yml"
cp "$here/firing.test.yml" "$tmp/firing/"
promtool test rules "$tmp/firing/firing.test.yml"
# The tests notice a rule that fires too early or at another threshold.
cp "$here/firing.test.yml" "$tmp/mutant/"
for mutation in "--for 0s" "--set lag_intervals=2" "--set pool_full_ratio=0.95" "--set failing_intervals=1" \
  "--set never_succeeded_intervals=1" "--set pool_full_days=20" "--set vdev_errors_max=1"; do
  # shellcheck disable=SC2086
  node "$root/alerts/generate.mjs" --no-annotations $mutation >"$tmp/mutant/zpull.rules.yml"
  if promtool test rules "$tmp/mutant/firing.test.yml" >"$tmp/mutant.log" 2>&1; then
    fail "firing.test.yml passes against rules generated with $mutation"
  fi
done
# The shipped file's annotations.
cp "$root/alerts/zpull.rules.yml" "$here/annotations.test.yml" "$tmp/shipped/"
promtool test rules "$tmp/shipped/annotations.test.yml"

# Every alert has its runbook section (docs/runbook.md, "## AlertName").
for alert in $(awk '$1 == "-" && $2 == "alert:" { print $3 }' "$root/alerts/zpull.rules.yml"); do
  grep -qx "## $alert" "$root/docs/runbook.md" || fail "docs/runbook.md has no section for $alert"
done

amtool check-config "$root/alerts/alertmanager.yml"
for pair in critical:pager warning:team info:tickets; do
  got=$(amtool config routes test --config.file="$root/alerts/alertmanager.yml" alertname=ZpullX "severity=${pair%%:*}")
  [ "$got" = "${pair#*:}" ] || fail "severity=${pair%%:*} routes to '$got', expected ${pair#*:}"
done
echo "alert rules and routing: ok"
