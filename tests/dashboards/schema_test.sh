#!/usr/bin/env bash
# dashboards/zpull.json is the generator's current output, is valid JSON,
# and type-checks as Grafana's published Dashboard schema (@grafana/schema
# 11, the TypeScript types Grafana generates from its CUE schema) under
# tsc --strict: unknown keys and wrong value types are errors. The two npm
# tarballs are fetched once from the npm registry, checked against their
# pinned integrity, and cached.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cache="${ZPULL_NPM_CACHE:-/var/cache/zpull-npm}"
tmp="$(mktemp -d /tmp/zpull-dashboard.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAILED: $*" >&2; exit 1; }

node "$root/dashboards/generate.mjs" >"$tmp/generated.json"
diff -u "$root/dashboards/zpull.json" "$tmp/generated.json" >/dev/null ||
  fail "dashboards/zpull.json is not the output of dashboards/generate.mjs (run: node dashboards/generate.mjs > dashboards/zpull.json)"

fetch() {  # name url sha512-integrity
  local file="$cache/$1.tgz"
  if [ ! -s "$file" ]; then
    mkdir -p "$cache"
    curl -fsSL --retry 3 -o "$file.part" "$2" || fail "cannot download $2"
    mv "$file.part" "$file"
  fi
  local got
  got="sha512-$(node -e 'const c=require("crypto");process.stdout.write(c.createHash("sha512").update(require("fs").readFileSync(process.argv[1])).digest("base64"))' "$file")"
  [ "$got" = "$3" ] || { rm -f "$file"; fail "$1: integrity $got, expected $3"; }
  mkdir -p "$tmp/$1"
  tar -xzf "$file" -C "$tmp/$1" --strip-components=1
}
fetch typescript https://registry.npmjs.org/typescript/-/typescript-5.6.3.tgz \
  'sha512-hjcS1mhfuyi4WW8IWtjP7brDrG2cuDZukyrYrSauoXGNgx0S7zceP07adYkJycEr56BOUTNPzbInooiN3fn1qw=='
fetch schema https://registry.npmjs.org/@grafana/schema/-/schema-11.6.16.tgz \
  'sha512-YN4owKUfNOB86+2gtD4bsx2ocUwqshRIBfU2ahsHAanxvN9YB4azEVWZ4d67dONVdnO4ikgJ8JNloKrX3S6vog=='

# JSON holds an enum's values, which TypeScript's nominal enums do not
# accept: each `export declare enum E { A = 'a', … }` becomes the union of
# its values (the schema's meaning, without the nominal typing).
node -e '
const fs = require("fs");
for (const f of process.argv.slice(1)) {
  const text = fs.readFileSync(f, "utf8").replace(/export (?:declare )?enum (\w+) \{([^}]*)\}/g, (_, name, body) => {
    const values = body.split(",").map((m) => m.split("=")[1]).filter(Boolean).map((v) => v.trim());
    return `export type ${name} = ${values.join(" | ")};`;
  });
  fs.writeFileSync(f, text);
}' $(find "$tmp/schema/dist/esm" -name '*.d.ts')

check() {  # name json-file: a typed literal, so excess keys and literal types are checked
  {
    echo "import type { Dashboard } from './schema/dist/esm/raw/dashboard/x/dashboard_types.gen';"
    echo "export const dashboard: Dashboard = "
    cat "$2"
    echo ";"
  } >"$tmp/$1.ts"
  node "$tmp/typescript/lib/tsc.js" --strict --noEmit --skipLibCheck --target es2020 --moduleResolution node \
    "$tmp/$1.ts" >"$tmp/$1.log" 2>&1 || { cat "$tmp/$1.log" >&2; return 1; }
}
check zpull "$root/dashboards/zpull.json" || fail "dashboards/zpull.json does not match Grafana's Dashboard schema"
# The check notices schema violations: a misspelt key and a wrong type.
node -e 'const d=require(process.argv[1]); d.panels[1].gridPoss=d.panels[1].gridPos; process.stdout.write(JSON.stringify(d))' \
  "$root/dashboards/zpull.json" >"$tmp/bad1.json"
! check bad1 "$tmp/bad1.json" 2>/dev/null || fail "an unknown panel key passed the schema check"
node -e 'const d=require(process.argv[1]); d.schemaVersion="39"; process.stdout.write(JSON.stringify(d))' \
  "$root/dashboards/zpull.json" >"$tmp/bad2.json"
! check bad2 "$tmp/bad2.json" 2>/dev/null || fail "a string schemaVersion passed the schema check"
node -e 'const d=require(process.argv[1]); d.panels[1].fieldConfig.defaults.thresholds.mode="absolut"; process.stdout.write(JSON.stringify(d))' \
  "$root/dashboards/zpull.json" >"$tmp/bad3.json"
! check bad3 "$tmp/bad3.json" 2>/dev/null || fail "a wrong enum value passed the schema check"
echo "dashboard schema: ok ($(grep -c '"expr"' "$root/dashboards/zpull.json") queries)"
