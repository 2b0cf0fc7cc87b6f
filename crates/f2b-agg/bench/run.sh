#!/bin/sh
# Benchmark of f2b-agg: throughput and peak memory of the default digest over
# 2,000,000 generated enriched records (see gen_records.py).
#
#   sh crates/f2b-agg/bench/run.sh [RUNS]     # from the workspace root
#
# Needs a release build (cargo build --release -p f2b-agg), python3 and GNU time
# (/usr/bin/time). The records are generated once into $F2B_BENCH_DIR (default
# /tmp/f2b-agg-bench, about 1.3 GB). Each run prints wall-clock and CPU time;
# records/s is given for both, since on a shared machine the CPU time of the one
# thread is the fairer measure of one core.
set -eu
RUNS=${1:-3}
DIR=${F2B_BENCH_DIR:-/tmp/f2b-agg-bench}
BIN=${F2B_AGG:-target/release/f2b-agg}
HERE=$(dirname "$0")
N=2000000
mkdir -p "$DIR"
if [ ! -s "$DIR/records.ndjson" ]; then
    echo "generating $N records in $DIR/records.ndjson ..." >&2
    python3 "$HERE/gen_records.py" --records $N > "$DIR/records.ndjson.tmp"
    mv "$DIR/records.ndjson.tmp" "$DIR/records.ndjson"
fi
cat "$DIR/records.ndjson" > /dev/null   # into the page cache
i=0
while [ "$i" -lt "$RUNS" ]; do
    i=$((i + 1))
    /usr/bin/time -v "$BIN" -q "$DIR/records.ndjson" -o "$DIR/digest.json" 2> "$DIR/time.txt"
    awk -v n=$N -F': ' '
        /Elapsed \(wall clock\)/ { split($2, t, ":"); wall = (length(t) == 3) ? t[1]*3600 + t[2]*60 + t[3] : t[1]*60 + t[2] }
        /User time/ { user = $2 } /System time/ { sys = $2 }
        /Maximum resident set size/ { rss = $2 }
        END { printf "run: wall %.2f s (%.0f records/s), cpu %.2f s user + %.2f s sys (%.0f records/s), peak RSS %.0f MB\n",
                     wall, n / wall, user, sys, n / (user + sys), rss / 1024 }' "$DIR/time.txt"
done
