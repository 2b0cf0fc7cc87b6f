#!/bin/sh
# Runs a command N times pinned to one core and prints the best and the
# median wall time and CPU time (user + system), and the records/s that give
# for RECORDS records. On a machine shared with other work the best run is the
# one least disturbed by it; the median shows the spread.
#
#   bench/timeit.sh N RECORDS COMMAND [ARG...]   (the command's stdout is discarded)
#
# Example:
#   bench/timeit.sh 7 1000000 target/release/f2b-geo -q --db GeoLite2-City.mmdb records.ndjson
set -eu
n=$1 records=$2
shift 2
core=${CORE:-1}
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
i=0
while [ "$i" -lt "$n" ]; do
    /usr/bin/time -f '%e %U %S' -o "$tmp" -a taskset -c "$core" "$@" > /dev/null
    i=$((i + 1))
done
awk -v records="$records" '
    { wall[NR] = $1; cpu[NR] = $2 + $3 }
    function sort(a, n,   i, j, t) {
        for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
    }
    END {
        sort(wall, NR); sort(cpu, NR); m = int((NR + 1) / 2)
        printf "runs %d  wall best %.2f s (%.0f records/s) median %.2f s  cpu best %.2f s (%.0f records/s) median %.2f s\n",
            NR, wall[1], records / wall[1], wall[m], cpu[1], records / cpu[1], cpu[m]
    }' "$tmp"
