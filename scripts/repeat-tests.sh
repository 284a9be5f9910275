#!/usr/bin/env bash
# Consecutive `make test` runs, for the flakiness check (issue 19: "ten consecutive runs, zero failures").
# Usage: scripts/repeat-tests.sh [RUNS] [LOG_DIR]   (defaults: 10, build/repeat-tests)
# Runs `make test` RUNS times in this checkout, one after another; each run's output goes to LOG_DIR/run-N.log and one
# line per run (commit, exit status, seconds, the suite's summary) to LOG_DIR/summary.txt and standard output. Stops at
# the first failing run and exits with its status, so "N lines, all rc 0" is the whole claim.
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
logs=${2:-build/repeat-tests}
mkdir -p "$logs"
: > "$logs/summary.txt"
for i in $(seq 1 "$runs"); do
  start=$(date +%s)
  make test > "$logs/run-$i.log" 2>&1
  rc=$?
  summary=$(grep -E '^tests: ' "$logs/run-$i.log" | tail -1)
  line="run $i/$runs  commit $(git rev-parse --short HEAD)  rc $rc  $(( $(date +%s) - start )) s  ended $(date -u +%FT%TZ)  ${summary:-no summary line}"
  echo "$line" | tee -a "$logs/summary.txt"
  if [ $rc -ne 0 ]; then
    echo "run $i failed; its log: $logs/run-$i.log" >&2
    exit $rc
  fi
done
