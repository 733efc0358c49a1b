#!/usr/bin/env bash
# The layering of docs/architecture.md, checked on the tree: each product
# folder includes only the folders it may; nothing in the product includes
# tests/ or links the test doubles; no two files include each other; no
# folder holds more than about 30 % of the product's C++ lines.
set -euo pipefail
cd "${1:-$(dirname "$0")/..}"
declare -A may=(
  [core]="core"
  [replicate]="replicate core"
  [checks]="checks replicate core"
  [config]="config replicate core"
  [exporter]="exporter checks replicate core config/yaml_reader.h"
  [daemon]="daemon exporter config checks replicate core"
  [cli]="cli daemon exporter config checks replicate core"
  [guard]="guard core/zstd_pipeline.h core/beneath.h core/sha256.h"
)
bad=0
for folder in "${!may[@]}"; do
  while IFS=: read -r file _ inc; do
    target=${inc#*\"}; target=${target%%\"*}
    ok=0
    for allowed in ${may[$folder]}; do
      case "$target" in "$allowed" | "$allowed"/*) ok=1 ;; esac
      [ "$target" = "$allowed" ] && ok=1
    done
    # generated headers of a folder (exporter/version.h) count as that folder
    if [ $ok -eq 0 ]; then echo "FAIL: $file includes $target ($folder/ may include: ${may[$folder]})"; bad=1; fi
  done < <(grep -rn '#include "' --include='*.cc' --include='*.h' "$folder" || true)
done
if grep -n 'zpull_testing' core/CMakeLists.txt replicate/CMakeLists.txt checks/CMakeLists.txt config/CMakeLists.txt \
     exporter/CMakeLists.txt daemon/CMakeLists.txt cli/CMakeLists.txt guard/CMakeLists.txt; then
  echo "FAIL: a product target links the test doubles"; bad=1
fi
# Mutual includes: a.cc/a.h including b.h while b.cc/b.h includes a.h.
declare -A edge=()
for f in $(git ls-files '*.cc' '*.h' | grep -E '^(core|replicate|checks|config|exporter|daemon|cli|guard)/'); do
  from=${f%.*}
  for to in $(grep -o '#include "[^"]*\.h"' "$f" | sed 's/#include "//; s/\.h"$//'); do
    [ "$to" = "$from" ] || edge["$from $to"]=1
  done
done
for e in "${!edge[@]}"; do
  set -- $e
  if [ -n "${edge["$2 $1"]:-}" ] && [[ "$1" < "$2" ]]; then echo "FAIL: $1 and $2 include each other"; bad=1; fi
done
total=0
declare -A lines=()
for folder in "${!may[@]}"; do
  n=$(cat $(git ls-files "$folder/*.cc" "$folder/*.h") | wc -l)
  lines[$folder]=$n; total=$((total + n))
done
for folder in core replicate checks config exporter daemon cli guard; do
  share=$((100 * lines[$folder] / total))
  printf '%-10s %6d lines %3d %%\n' "$folder" "${lines[$folder]}" "$share"
  if [ "$share" -gt 33 ]; then echo "FAIL: $folder/ holds $share % of the product's C++ (about 30 % at most)"; bad=1; fi
done
echo "total      $total lines"
[ $bad -eq 0 ] && echo "ok: layering as in docs/architecture.md"
exit $bad
