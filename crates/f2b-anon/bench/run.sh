#!/usr/bin/env bash
# Benchmarks f2b-anon on N generated enriched records (default 1,000,000):
# records/s over wall time and over CPU time (user + sys), and peak RSS, for
# the default columns, --k 5, every column as CSV, and every column with --k 5.
# Each configuration runs RUNS times (default 3); the fastest run is reported.
#
#   cargo build --release -p f2b-anon
#   crates/f2b-anon/bench/run.sh [N]
set -euo pipefail
cd "$(dirname "$0")/../../.."
N=${1:-1000000}
RUNS=${RUNS:-3}
WORK=${WORK:-/tmp/f2b-anon-bench}
BIN=target/release/f2b-anon
KEY=crates/f2b-anon/tests/fixtures/test.key
ALL=as_name,jail,hour,failures,reporter_country,reporter_id,attacker_id
mkdir -p "$WORK"
INPUT="$WORK/enriched-$N.ndjson"
[ -s "$INPUT" ] || python3 crates/f2b-anon/bench/gen_records.py "$N" > "$INPUT"
[ -x "$BIN" ] || { echo "build first: cargo build --release -p f2b-anon" >&2; exit 1; }
cat "$INPUT" > /dev/null  # warm the page cache

printf '%-22s %12s %12s %10s\n' configuration 'rec/s wall' 'rec/s CPU' 'peak RSS'
run() {
  local name=$1; shift
  local best="" best_cpu=0
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f '%e %U %S %M' -o "$WORK/time" "$BIN" -q "$@" "$INPUT" -o /dev/null
    read -r wall user sys rss < "$WORK/time"
    cpu=$(awk -v n="$N" -v u="$user" -v s="$sys" 'BEGIN { printf "%.0f", n / (u + s) }')
    if [ "$cpu" -gt "$best_cpu" ]; then
      best_cpu=$cpu
      best=$(awk -v n="$N" -v w="$wall" -v c="$cpu" -v r="$rss" \
        'BEGIN { printf "%12.0f %12.0f %7.1f MB", n / w, c, r / 1024 }')
    fi
  done
  printf '%-22s %s\n' "$name" "$best"
}
run "default columns"
run "--k 5" --k 5
run "all columns, CSV" --csv --key-file "$KEY" --with "$ALL"
run "all columns, --k 5" --k 5 --key-file "$KEY" --with "$ALL"
