#!/usr/bin/env bash
# Whole-process cost of `portolan lookup 5432` next to `getent services 5432`, measured side by side
# in the same run (hyperfine when installed, else a median of 50 timed runs each).
#   bash benches/lookup-vs-getent.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/portolan
cmds=("getent services 5432" "$bin lookup 5432" "$bin lookup kerberos")
if command -v hyperfine >/dev/null 2>&1; then
  json=$(mktemp)
  hyperfine -N --warmup 10 --runs 100 --export-json "$json" "${cmds[@]}" >/dev/null
  python3 - "$json" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
base = results[0]["median"]
for r in results:
    print(f"{r['command']:<45} median {r['median'] * 1e3:6.2f} ms  ({r['median'] / base:.2f}x getent, {len(r['times'])} runs)")
PY
  rm -f "$json"
  exit
fi
median_ms() {
  local cmd=$1 t0 t1 times=()
  for _ in $(seq 50); do
    t0=$(date +%s%N); $cmd >/dev/null 2>&1 || true; t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.3f", a[int((NR+1)/2)]/1000}'
}
base=$(median_ms "${cmds[0]}")
echo "getent services 5432: ${base} ms"
for cmd in "${cmds[@]:1}"; do
  m=$(median_ms "$cmd")
  echo "$cmd: ${m} ms ($(awk -v a="$m" -v b="$base" 'BEGIN {printf "%.2f", a/b}')x getent)"
done
