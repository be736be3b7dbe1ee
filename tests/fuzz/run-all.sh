#!/usr/bin/env bash
# Runs every fuzz target for SECS seconds (default 30) and prints how many inputs each ran.
#   cargo install cargo-fuzz && bash tests/fuzz/run-all.sh 60
set -uo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-30}
for target in $(RUSTC_BOOTSTRAP=1 cargo fuzz list --fuzz-dir tests/fuzz); do
  log=$(mktemp)
  RUSTC_BOOTSTRAP=1 cargo fuzz run --fuzz-dir tests/fuzz "$target" -- -max_total_time="$secs" >"$log" 2>&1
  status=$?
  runs=$(grep -Eo 'Done [0-9]+ runs' "$log" | grep -Eo '[0-9]+' || echo "?")
  if [ "$status" -eq 0 ]; then echo "$target: $runs inputs in ${secs}s, no failure"; else echo "$target: FAILED (exit $status), see $log"; tail -20 "$log"; fi
done
