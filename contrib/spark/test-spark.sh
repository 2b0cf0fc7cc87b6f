#!/usr/bin/env bash
# Tests contrib/spark/f2b_spark.py on the embedded sample against the
# single-process pipeline. Needs Java 17, python3 (3.9+) with venv and pip,
# and the f2b binaries (BIN, default target/debug: run `cargo build` first).
#
#   contrib/spark/test-spark.sh                     # BIN=target/debug
#   BIN=target/release contrib/spark/test-spark.sh  # other binaries
#
# Checks that the merged digest is byte for byte the single-process digest with 4
# shards and with one shard per mailbox unit, and that without the shards'
# context (--no-context) the many-shard digest is NOT: the context is what makes
# sharding exact.
#
# Installs pyspark into .venv-spark/ at the repository root (reused when it is there).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
PYSPARK_VERSION=3.5.9
VENV=${VENV:-$ROOT/.venv-spark}
BIN=${BIN:-target/debug}
case $BIN in /*) ;; *) BIN=$ROOT/$BIN ;; esac
MAIL=$ROOT/data/sample/mail
RECIPE=$ROOT/contrib/spark/f2b_spark.py

say() { printf '== %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }
T_ALL=$(now)

for b in f2b-extract f2b-geo f2b-asn f2b-anon f2b-agg f2b-sample; do
    [ -x "$BIN/$b" ] || fail "$BIN/$b is missing: build the workspace first (cargo build --workspace), or set BIN=DIR"
done
command -v java >/dev/null || fail "java is not on PATH (Spark 3.5 needs Java 8, 11 or 17)"
java -version 2>&1 | head -1

# --- pyspark, pinned, in a project-local venv
T=$(now)
if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import pyspark, sys; sys.exit(pyspark.__version__ != '$PYSPARK_VERSION')" 2>/dev/null; then
    say "reusing $VENV (pyspark $PYSPARK_VERSION)"
else
    say "installing pyspark $PYSPARK_VERSION into $VENV (about 370 MB)"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check "pyspark==$PYSPARK_VERSION"
    say "pip install took $(elapsed "$T")"
fi
PY=$VENV/bin/python
SPARK_SUBMIT=$VENV/bin/spark-submit

WORK=$(mktemp -d "${TMPDIR:-/tmp}/f2b-spark-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export SPARK_LOCAL_IP=${SPARK_LOCAL_IP:-127.0.0.1}
export PYSPARK_PYTHON=$PY

# --- the data files and the reference: one process over the whole sample
"$BIN/f2b-sample" data --from data/sample --out "$WORK/data" -q
DATA=(--db "$WORK/data/sample-city.mmdb" --pfx2as-dir "$WORK/data" --names "$WORK/data/autnums.html")
pipeline_tail() {  # records on stdin -> the (anonymized) digest on stdout
    "$BIN/f2b-geo" -q --db "$WORK/data/sample-city.mmdb" \
        | "$BIN/f2b-asn" -q --pfx2as-dir "$WORK/data" --names "$WORK/data/autnums.html" \
        | "$BIN/f2b-anon" -q | "$BIN/f2b-agg" -q "$@"
}
T=$(now)
"$BIN/f2b-extract" -q -r "$MAIL" --rejects "$WORK/single.rejects" > "$WORK/single.records"
pipeline_tail < "$WORK/single.records" > "$WORK/single.json"
say "single process: $(wc -l < "$WORK/single.records") records, $(elapsed "$T")"

# --- the units of work: the sample's mbox files, .gz files and its Maildir, in a
#     directory whose path has spaces (the shards' paths and context lines too)
SPACED="$WORK/mail archive/sample mail"
mkdir -p "$WORK/mail archive"
cp -r "$MAIL" "$SPACED"
"$PY" "$RECIPE" --list -o /dev/null "$SPACED" > "$WORK/units"
UNITS=$(wc -l < "$WORK/units")
[ "$UNITS" -ge 4 ] || fail "only $UNITS mailbox units in $MAIL (need at least 4 for the test)"
grep -q '\.gz$' "$WORK/units" || fail "no .gz mailbox among the units"
[ "$(tail -1 "$WORK/units")" = "$SPACED/Maildir" ] || fail "the Maildir (2013) is not the last unit"
if grep -v '\.mbox\(\.gz\)\?$\|/Maildir$' "$WORK/units" > "$WORK/not-mail"; then
    fail "units that are not mailboxes: $(head -3 "$WORK/not-mail")"
fi
say "$UNITS mailbox units: $(grep -c '\.mbox$' "$WORK/units") mbox, $(grep -c '\.gz$' "$WORK/units") gz, 1 Maildir"

# --- 1. spark-submit, local[2], 4 shards (contiguous runs of the units, each with its
#        neighbours as context), paths with spaces: exactly the single-process digest
T=$(now)
"$SPARK_SUBMIT" --master 'local[2]' --conf spark.ui.enabled=false "$RECIPE" \
    "${DATA[@]}" --bin-dir "$BIN" --shards 4 --partials "$WORK/spark4.partials" \
    -o "$WORK/spark4.json" "$SPACED" 2> "$WORK/spark4.log" || { cat "$WORK/spark4.log" >&2; fail "spark-submit run"; }
say "spark-submit --master local[2], 4 shards: $(elapsed "$T")"
[ "$(wc -l < "$WORK/spark4.partials")" -eq 4 ] || fail "expected 4 partials"
cmp "$WORK/spark4.json" "$WORK/single.json" \
    || fail "4 shards: the merged digest differs from the single-process digest"
say "OK 4 shards: merged digest = single-process digest, byte for byte ($(wc -c < "$WORK/single.json") bytes)"

# --- 2. python + local[2], one shard per unit, binaries shipped with addFile, partials
#        merged on the executors (--combine 3) first: exactly the single-process digest
T=$(now)
"$PY" "$RECIPE" --master 'local[2]' "${DATA[@]}" --bin-dir "$BIN" --ship-binaries \
    --shards "$UNITS" --combine 3 -o "$WORK/spark-all.json" "$SPACED" 2> "$WORK/spark-all.log" \
    || { cat "$WORK/spark-all.log" >&2; fail "python run"; }
say "python f2b_spark.py --master local[2], $UNITS shards, --ship-binaries --combine 3: $(elapsed "$T")"
cmp "$WORK/spark-all.json" "$WORK/single.json" \
    || fail "$UNITS shards: the merged digest differs from the single-process digest"
say "OK $UNITS shards: merged digest = single-process digest, byte for byte"

# --- 3. the same shards without context (--no-context): duplicates across shard
#        boundaries are counted twice, so the digest must differ, by exactly the
#        records the shell's own per-unit extraction (no context) has in excess
T=$(now)
"$PY" "$RECIPE" --master 'local[2]' "${DATA[@]}" --bin-dir "$BIN" --no-context \
    --shards "$UNITS" -o "$WORK/spark-noctx.json" "$SPACED" 2> "$WORK/spark-noctx.log" \
    || { cat "$WORK/spark-noctx.log" >&2; fail "python --no-context run"; }
say "python f2b_spark.py --master local[2], $UNITS shards, --no-context: $(elapsed "$T")"
while IFS= read -r u; do
    "$BIN/f2b-extract" -q -j 1 "$u"
done < "$WORK/units" > "$WORK/noctx.records"
pipeline_tail < "$WORK/noctx.records" > "$WORK/noctx.json"
cmp "$WORK/spark-noctx.json" "$WORK/noctx.json" \
    || fail "--no-context: the recipe's digest differs from the shell's per-unit extraction"
! cmp -s "$WORK/spark-noctx.json" "$WORK/single.json" \
    || fail "--no-context gives the single-process digest: the test no longer shows what the context does"
R1=$(jq .reports "$WORK/single.json"); R0=$(jq .reports "$WORK/spark-noctx.json")
EXTRA=$(( $(wc -l < "$WORK/noctx.records") - $(wc -l < "$WORK/single.records") ))
[ "$((R0 - R1))" -eq "$EXTRA" ] && [ "$EXTRA" -gt 0 ] \
    || fail "--no-context: $R0 reports against $R1, but $EXTRA extra records"
say "OK without context $UNITS shards differ: $R0 reports against $R1 ($EXTRA duplicates across shard boundaries counted twice)"

say "all checks passed in $(elapsed "$T_ALL")"
