#!/usr/bin/env bash
# Side-by-side benchmark of `portolan sockets --json` and `ss -tanp` at ~1k/10k/50k sockets, plus
# the collector's warm refresh CPU and portolan's peak RSS. Needs hyperfine and GNU time.
# Usage: benches/sockets.sh [sizes...]   (sizes are --established pairs; default: 500 5000 25000)
set -euo pipefail
cd "$(dirname "$0")/.."
FIXTURE=../shared/bench/mksockets.py
cargo build --release --quiet
cargo bench --bench collector --no-run --quiet 2>/dev/null
BIN=target/release/portolan
COLLECTOR=$(ls -t target/release/deps/collector-* | grep -v '\.d$' | head -1)
RUNS=${RUNS:-15}
sizes=("$@"); [ ${#sizes[@]} -eq 0 ] && sizes=(500 5000 25000)
fixture_pid=""
cleanup() { [ -n "$fixture_pid" ] && kill "$fixture_pid" 2>/dev/null && wait "$fixture_pid" 2>/dev/null; true; }
trap cleanup EXIT
median_ms() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; print(" ".join("%.2f" % (x["median"]*1e3) for x in r))' "$1"; }
printf '%-8s %10s %10s %8s %14s %10s\n' sockets portolan_ms ss_ms ratio collector_cpu peak_rss
for pairs in "${sizes[@]}"; do
  procs=$(( pairs / 7000 + 1 ))
  out=$(mktemp)
  python3 "$FIXTURE" --established "$pairs" --procs "$procs" --udp 50 --timeout 600 >"$out" &
  fixture_pid=$!
  until grep -q '^ready' "$out"; do sleep 0.2; kill -0 "$fixture_pid" || { echo "fixture died"; exit 1; }; done
  n=$(ss -tanH | wc -l)
  json=$(mktemp)
  hyperfine -N --warmup 2 --runs "$RUNS" --export-json "$json" \
    "$BIN sockets --json" "ss -tanp" --output=null >/dev/null 2>&1
  read -r p s <<<"$(median_ms "$json")"
  cpu=$(CYCLES=30 "$COLLECTOR" | sed -n 's/.*median cpu \([0-9.]*\) ms.*/\1/p')
  rss=$(/usr/bin/time -v "$BIN" sockets --json 2>&1 >/dev/null | sed -n 's/.*Maximum resident set size (kbytes): //p')
  printf '%-8s %10s %10s %8s %11s ms %7.1f MB\n' "$n" "$p" "$s" "$(python3 -c "print('%.2f' % ($p/$s))")" "$cpu" "$(python3 -c "print($rss/1024)")"
  kill "$fixture_pid"; wait "$fixture_pid" 2>/dev/null || true; fixture_pid=""
  rm -f "$out" "$json"
done
