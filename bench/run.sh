#!/usr/bin/env bash
# f2b benchmark harness: every stage alone and the whole pipeline, on a
# synthetic corpus made by f2b-sample, against what a user would otherwise use.
# Writes its section of bench/RESULTS.md. See bench/README.md.
#
#   bench/run.sh                                   # or: make bench
#   BENCH_SIZE=2000000 F2B_DATA=~/.cache/f2b-data bench/run.sh
#
# Knobs (environment):
#   BENCH_SIZE       messages in the corpus (default 50000: about a minute)
#   BENCH_RUNS       runs of every f2b measurement, the median is reported (default 3)
#   BENCH_PEER_RUNS  runs of every peer measurement (default 1: the peers are slow)
#   BENCH_PEERS      all (default), none, or a comma list of: extract,geo,asn,jq
#   F2B_DATA         directory of real data (fetch-real-data layout); default:
#                    the embedded sample data written by `f2b-sample data`
#   BENCH_DIR        work directory (default bench/work, git-ignored)
#   BENCH_SEED       corpus seed (default bench)
#   BENCH_RESULTS    the file to update (default bench/RESULTS.md)
#   BENCH_BUILD      1 (default): cargo build --release first; 0: use target/release as it is
#   BENCH_VENV       1: install the Python peers into BENCH_DIR/venv even if python3 has them
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

SIZE=${BENCH_SIZE:-50000}
RUNS=${BENCH_RUNS:-3}
PEER_RUNS=${BENCH_PEER_RUNS:-1}
PEERS=${BENCH_PEERS:-all}
SEED=${BENCH_SEED:-bench}
WORK=${BENCH_DIR:-$ROOT/bench/work}
RESULTS=${BENCH_RESULTS:-$ROOT/bench/RESULTS.md}
BUILD=${BENCH_BUILD:-1}
DATA=${F2B_DATA:-}
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release
NPROC=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN)

say() { printf 'bench: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }
q() { printf '%q' "$1"; }   # one shell word, quoted for bash -c

[[ $SIZE =~ ^[1-9][0-9]*$ ]] || die "BENCH_SIZE must be a positive number of messages, not '$SIZE'"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS must be a positive number, not '$RUNS'"
[[ $PEER_RUNS =~ ^[0-9]+$ ]] || die "BENCH_PEER_RUNS must be a number, not '$PEER_RUNS'"
have python3 || die "python3 is needed (the report is written by bench/report.py)"
if [[ -n $DATA ]]; then   # checked before anything is built or generated
    DATA=$(cd "$DATA" 2>/dev/null && pwd) || die "F2B_DATA=$F2B_DATA is not a directory"
    for f in GeoLite2-City.mmdb routeviews-prefix2as.txt.gz routeviews6-prefix2as.txt.gz autnums.html; do
        [[ -f $DATA/$f ]] || die "F2B_DATA: $DATA/$f is missing (see shared/tools/fetch-real-data)"
    done
fi
peer_wanted() { [[ $PEER_RUNS -gt 0 && ( $PEERS == all || ,$PEERS, == *,$1,* ) ]]; }

# --- 1. release build ---------------------------------------------------------
# Which source is measured (read-only git queries; empty outside a git checkout).
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || true)
DIRTY=$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null | grep -vc ' bench/' || true)
if [[ $BUILD == 1 ]]; then
    say "cargo build --release --locked --workspace"
    cargo build --release --locked --workspace
fi
for b in f2b-sample f2b-extract; do
    [[ -x $BIN/$b ]] || die "$BIN/$b is missing: run cargo build --release --locked --workspace"
done
# The binaries are copied first, so that a rebuild during the run (other work
# on the same tree) does not change what is measured.
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
SRC_BIN=$BIN
BIN=$WORK/bin
rm -rf "$BIN"
mkdir -p "$BIN"
for b in f2b-sample f2b-extract f2b-geo f2b-asn f2b-anon f2b-agg f2b-report; do
    if [[ -x $SRC_BIN/$b ]]; then cp -p "$SRC_BIN/$b" "$BIN/$b"; fi
done
# A stage that is not built (or does not run) is reported as not available.
declare -A AVAIL
for b in f2b-extract f2b-geo f2b-asn f2b-anon f2b-agg f2b-report; do
    if [[ -x $BIN/$b ]] && "$BIN/$b" --version >/dev/null 2>&1; then AVAIL[$b]=1; else AVAIL[$b]=0; fi
done
avail() { [[ ${AVAIL[$1]} == 1 ]]; }

# --- 2. the corpus (cached by size and seed) ----------------------------------
CORPUS=$WORK/corpus-$SIZE-$SEED
GEN_NOTE="reused"
if [[ ! -f $CORPUS/.complete ]]; then
    need_kb=$((SIZE * 8))   # ~3.1 KB/message of mail, ~1.5 KB of stage inputs, slack
    free_kb=$(df -Pk "$WORK" | awk 'NR == 2 { print $4 }')
    ((free_kb > need_kb)) || die "about $((need_kb / 1048576 + 1)) GB free needed in $WORK, $((free_kb / 1048576)) GB there"
    say "generating $SIZE messages (seed $SEED) in $CORPUS"
    rm -rf "$CORPUS"
    t0=$(date +%s%N)
    "$BIN/f2b-sample" mail --messages "$SIZE" --seed "$SEED" --out "$CORPUS" -q
    t1=$(date +%s%N)
    GEN_NOTE="generated in $(((t1 - t0) / 1000000)) ms"
    touch "$CORPUS/.complete"
fi
shopt -s nullglob
MBOXES=("$CORPUS"/*.mbox)
shopt -u nullglob
((${#MBOXES[@]} > 0)) || die "no mbox files in $CORPUS (delete it to regenerate)"
CORPUS_BYTES=$(stat -c %s "${MBOXES[@]}" | awk '{ n += $1 } END { printf "%.0f\n", n }')
CORPUS_GLOB="$(q "$CORPUS")/*.mbox"

# --- 3. enrichment data: real (F2B_DATA) or the embedded sample ---------------
if [[ -n $DATA ]]; then
    DATA_KIND=real
    GEO_ARGS="--db $(q "$DATA/GeoLite2-City.mmdb")"
    ASN_ARGS="--pfx2as $(q "$DATA/routeviews-prefix2as.txt.gz") --pfx2as $(q "$DATA/routeviews6-prefix2as.txt.gz") --names $(q "$DATA/autnums.html")"
    PY_GEO_ARGS=$GEO_ARGS
    PY_ASN_ARGS=$ASN_ARGS
    DATA_DESC="real data from F2B_DATA: GeoLite2-City.mmdb, routeviews-prefix2as.txt.gz + routeviews6-prefix2as.txt.gz, autnums.html"
else
    DATA_KIND=sample
    SD=$WORK/data-sample
    "$BIN/f2b-sample" data --out "$SD" -q
    GEO_ARGS="--db $(q "$SD/sample-city.mmdb")"
    ASN_ARGS="--pfx2as-dir $(q "$SD") --names $(q "$SD/autnums.html")"
    # pyasn has no dated snapshots: the peer gets the newest one.
    rv2=$(ls "$SD"/routeviews-rv2-*.pfx2as.gz | tail -n 1)
    rv6=$(ls "$SD"/routeviews-rv6-*.pfx2as.gz | tail -n 1)
    PY_GEO_ARGS=$GEO_ARGS
    PY_ASN_ARGS="--pfx2as $(q "$rv2") --pfx2as $(q "$rv6") --names $(q "$SD/autnums.html")"
    DATA_DESC="embedded sample data (f2b-sample data): sample-city.mmdb, dated prefix2as snapshots (--pfx2as-dir), autnums.html"
fi

RUN=$WORK/run-$SIZE-$DATA_KIND
rm -rf "$RUN"
mkdir -p "$RUN"
: >"$RUN/measurements.tsv"
: >"$RUN/commands.tsv"
: >"$RUN/rows.tsv"
: >"$RUN/notes.txt"
: >"$RUN/pipeline.tsv"
note() { printf '%s\n' "$*" >>"$RUN/notes.txt"; }
note "Corpus: $SIZE messages, seed '$SEED', ${#MBOXES[@]} mbox files, $CORPUS_BYTES bytes ($GEN_NOTE)."
note "Data: $DATA_DESC."

# --- 4. Python peers ------------------------------------------------------------
PY=python3
py_has() { "$PY" -c "import $1" >/dev/null 2>&1; }
if peer_wanted geo || peer_wanted asn; then
    if [[ ${BENCH_VENV:-0} == 1 ]] || ! { py_has maxminddb && py_has pyasn; }; then
        if [[ ! -x $WORK/venv/bin/python ]]; then
            say "installing maxminddb and pyasn into $WORK/venv"
            python3 -m venv "$WORK/venv" >/dev/null 2>&1 || say "python3 -m venv failed"
        fi
        if [[ -x $WORK/venv/bin/python ]]; then
            PY=$WORK/venv/bin/python
            for m in maxminddb pyasn; do
                py_has "$m" || "$WORK/venv/bin/pip" install -q --timeout 30 --retries 1 "$m" >>"$RUN/pip.log" 2>&1 ||
                    say "pip install $m failed (see $RUN/pip.log)"
            done
        fi
    fi
fi

# --- measuring ----------------------------------------------------------------
TIME=
if [[ -x /usr/bin/time ]] && /usr/bin/time -f '%M' -o /dev/null true 2>/dev/null; then
    TIME=/usr/bin/time
else
    note "GNU time (/usr/bin/time) not found: no CPU time or peak RSS."
fi

# measure ID RUNS CMD [FILE...]: runs the shell command CMD (bash -c, pipefail)
# RUNS times, reading the FILEs into the page cache before each run (this VM
# reclaims the page cache within seconds: one read before all the runs left a
# 1.4 GB input partly uncached by the third); appends id, run, wall ms, user s,
# sys s, max RSS KB, 1-min load to measurements.tsv.
measure() {
    local id=$1 n=$2 cmd=$3 i t0 t1 rc load u s m
    shift 3
    printf '%s\t%s\n' "$id" "$cmd" >>"$RUN/commands.tsv"
    for ((i = 1; i <= n; i++)); do
        if (($# > 0)); then warm "$@"; fi
        read -r load _ </proc/loadavg
        rc=0
        t0=$(date +%s%N)
        if [[ -n $TIME ]]; then
            "$TIME" -f '%U %S %M' -o "$RUN/time.out" bash -o pipefail -c "$cmd" 2>>"$RUN/stderr.log" || rc=$?
        else
            bash -o pipefail -c "$cmd" 2>>"$RUN/stderr.log" || rc=$?
        fi
        t1=$(date +%s%N)
        if ((rc != 0)); then
            printf '%s\t%d\tFAIL\t%d\t\t\t%s\n' "$id" "$i" "$rc" "$load" >>"$RUN/measurements.tsv"
            say "$id: failed (exit $rc), see $RUN/stderr.log"
            return 0
        fi
        u=- s=- m=-
        if [[ -n $TIME ]]; then read -r u s m < <(tail -n 1 "$RUN/time.out"); fi
        printf '%s\t%d\t%d\t%s\t%s\t%s\t%s\n' "$id" "$i" $(((t1 - t0) / 1000000)) "$u" "$s" "$m" "$load" >>"$RUN/measurements.tsv"
        say "$id: run $i/$n $(((t1 - t0) / 1000000)) ms"
        if [[ $id == pipeline ]]; then collect_pipeline "$i"; fi
    done
    return 0
}
warm() { cat "$@" >/dev/null; }   # inputs into the page cache (see measure)

# row ID STAGE INPUT COUNT UNIT BYTES TARGET PEER_ID PEER_LABEL: a line of the table
row() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$RUN/rows.tsv"; }
na() { printf '%s\tNA\t%s\n' "$1" "$2" >>"$RUN/rows.tsv"; }

# --- 5. the stage inputs, made once ---------------------------------------------
# A stage that fails here, or whose first line is not a JSON object, is reported
# as not available and the next stage gets its input instead.
say "making the stage inputs in $RUN"
X=$BIN/f2b-extract
RECORDS=$RUN/records.ndjson GEO_OUT=$RUN/geo.ndjson ENRICHED=$RUN/enriched.ndjson ANON=$RUN/anon.ndjson
json_ok() { head -n 1 "$1" | python3 -c 'import json, sys; sys.exit(not isinstance(json.loads(sys.stdin.readline() or "null"), dict))' 2>/dev/null; }
produce() {   # STAGE OUTPUT CMD: runs CMD, keeps OUTPUT if it looks right
    local st=$1 outp=$2 cmd=$3
    if bash -c "$cmd" >>"$RUN/summary.txt" 2>&1 && [[ -s $outp ]] && json_ok "$outp"; then return 0; fi
    AVAIL[f2b-$st]=0
    BROKEN[f2b-$st]=1
    say "f2b-$st: failed or wrote something else than NDJSON records: left out (see $RUN/summary.txt)"
    echo "f2b-$st: left out, it failed or its output is not NDJSON records" >>"$RUN/summary.txt"
    return 1
}
declare -A BROKEN
produce extract "$RECORDS" "exec $(q "$X") $CORPUS_GLOB -o $(q "$RECORDS")" ||
    die "f2b-extract does not work (see $RUN/summary.txt)"
asn_in=$RECORDS
if avail f2b-geo && produce geo "$GEO_OUT" "exec $(q "$BIN/f2b-geo") $GEO_ARGS $(q "$RECORDS") -o $(q "$GEO_OUT")"; then
    asn_in=$GEO_OUT
fi
if ! { avail f2b-asn && produce asn "$ENRICHED" "exec $(q "$BIN/f2b-asn") $ASN_ARGS $(q "$asn_in") -o $(q "$ENRICHED")"; }; then
    cp "$asn_in" "$ENRICHED"
fi
if avail f2b-anon; then produce anon "$ANON" "exec $(q "$BIN/f2b-anon") $(q "$ENRICHED") -o $(q "$ANON")" || true; fi
if avail f2b-agg; then produce agg "$RUN/digest.json" "exec $(q "$BIN/f2b-agg") -q $(q "$ENRICHED") -o $(q "$RUN/digest.json")" || true; fi
not_avail() {   # the table's words for a stage left out
    if [[ ${BROKEN[$1]:-0} == 1 ]]; then echo "$1 left out: it failed or did not write NDJSON records when the inputs were made (see the stages' messages below)"
    else echo "$1 not available ($BIN/$1 missing or not working)"; fi
}
lines() { wc -l <"$1" | tr -d ' '; }
bytes() { wc -c <"$1" | tr -d ' '; }
NREC=$(lines "$RECORDS")

# --- 6. each stage alone ----------------------------------------------------------
measure cat-corpus "$RUNS" "exec cat $CORPUS_GLOB > /dev/null" "${MBOXES[@]}"
row cat-corpus "floor: cat" "corpus (mbox)" "$SIZE" msg "$CORPUS_BYTES" "" "" ""

if have taskset; then
    measure extract-1 "$RUNS" "exec taskset -c 0 $(q "$X") -q -j 1 $CORPUS_GLOB -o /dev/null" "${MBOXES[@]}"
    row extract-1 "extract, 1 core (taskset -c 0, -j 1)" "corpus (mbox)" "$SIZE" msg "$CORPUS_BYTES" "" "" ""
else
    measure extract-1 "$RUNS" "exec $(q "$X") -q -j 1 $CORPUS_GLOB -o /dev/null" "${MBOXES[@]}"
    row extract-1 "extract, -j 1 (no taskset)" "corpus (mbox)" "$SIZE" msg "$CORPUS_BYTES" "" "" ""
fi
measure extract "$RUNS" "exec $(q "$X") -q -j $NPROC $CORPUS_GLOB -o /dev/null" "${MBOXES[@]}"
row extract "extract, $NPROC cores (-j $NPROC)" "corpus (mbox)" "$SIZE" msg "$CORPUS_BYTES" 150000 py-extract "Python mailbox+email"

measure cat-records "$RUNS" "exec cat $(q "$RECORDS") > /dev/null" "$RECORDS"
row cat-records "floor: cat" "records" "$NREC" rec "$(bytes "$RECORDS")" "" "" ""
if avail f2b-geo; then
    measure geo "$RUNS" "exec $(q "$BIN/f2b-geo") -q $GEO_ARGS $(q "$RECORDS") -o /dev/null" "$RECORDS"
    row geo geo "records" "$NREC" rec "$(bytes "$RECORDS")" 1000000 py-geo "Python maxminddb"
else
    na geo "$(not_avail f2b-geo)"
fi
if avail f2b-asn; then
    measure asn "$RUNS" "exec $(q "$BIN/f2b-asn") -q $ASN_ARGS $(q "$asn_in") -o /dev/null" "$asn_in"
    row asn asn "$( [[ $asn_in == "$GEO_OUT" ]] && echo "geo output" || echo records)" "$(lines "$asn_in")" rec "$(bytes "$asn_in")" 1000000 py-asn "pyasn"
else
    na asn "$(not_avail f2b-asn)"
fi
measure cat-enriched "$RUNS" "exec cat $(q "$ENRICHED") > /dev/null" "$ENRICHED"
row cat-enriched "floor: cat" "enriched" "$(lines "$ENRICHED")" rec "$(bytes "$ENRICHED")" "" "" ""
if avail f2b-anon; then
    measure anon "$RUNS" "exec $(q "$BIN/f2b-anon") -q $(q "$ENRICHED") -o /dev/null" "$ENRICHED"
    row anon anon "enriched" "$(lines "$ENRICHED")" rec "$(bytes "$ENRICHED")" 1000000 "" ""
else
    na anon "$(not_avail f2b-anon)"
fi
if avail f2b-agg; then
    measure agg "$RUNS" "exec $(q "$BIN/f2b-agg") -q $(q "$ENRICHED") -o /dev/null" "$ENRICHED"
    row agg "agg (digest)" "enriched" "$(lines "$ENRICHED")" rec "$(bytes "$ENRICHED")" 1500000 "" ""
    if avail f2b-anon; then
        measure agg-anon "$RUNS" "exec $(q "$BIN/f2b-agg") -q $(q "$ANON") -o /dev/null" "$ANON"
        row agg-anon "agg (digest)" "anonymized" "$(lines "$ANON")" rec "$(bytes "$ANON")" 1500000 "" ""
    fi
    measure agg-by "$RUNS" "exec $(q "$BIN/f2b-agg") -q --by country $(q "$ENRICHED") -o /dev/null" "$ENRICHED"
    row agg-by "agg --by country" "enriched" "$(lines "$ENRICHED")" rec "$(bytes "$ENRICHED")" "" jq "jq | sort | uniq -c"
else
    na agg "$(not_avail f2b-agg)"
fi
if avail f2b-report && [[ -s $RUN/digest.json ]]; then
    measure report "$RUNS" "exec $(q "$BIN/f2b-report") -q $(q "$RUN/digest.json") -o /dev/null"
    row report "report (HTML page)" "digest" 1 "" "$(bytes "$RUN/digest.json")" "" "" ""
fi

# --- 7. the whole pipeline, stages running concurrently -------------------------
# Each stage is wrapped in GNU time to get its CPU time and peak RSS.
stage_cmd() {   # N BINARY ARGS...
    local n=$1
    shift
    if [[ -n $TIME ]]; then printf '%s -f %q -o %q %s' "$TIME" '%U %S %M' "$RUN/pipe.$n" "$*"; else printf '%s' "$*"; fi
}
collect_pipeline() {
    local i=$1 n
    [[ -n $TIME ]] || return 0
    for n in "${!PIPE_NAMES[@]}"; do
        printf '%s\t%s\t%s\n' "$i" "${PIPE_NAMES[$n]}" "$(tail -n 1 "$RUN/pipe.$n")" >>"$RUN/pipeline.tsv"
    done
}
PIPE_NAMES=(extract)
PIPE="$(stage_cmd 0 "$(q "$X") -q $CORPUS_GLOB")"
k=1
for st in geo asn anon agg; do
    if avail "f2b-$st"; then
        args=
        [[ $st == geo ]] && args=$GEO_ARGS
        [[ $st == asn ]] && args=$ASN_ARGS
        [[ $st == agg ]] && args="-o /dev/null"
        PIPE+=" | $(stage_cmd "$k" "$(q "$BIN/f2b-$st") -q${args:+ $args}")"
        PIPE_NAMES+=("$st")
        k=$((k + 1))
    fi
done
[[ ${AVAIL[f2b-agg]} == 1 ]] || PIPE+=" > /dev/null"
measure pipeline "$RUNS" "$PIPE" "${MBOXES[@]}"
missing=
for st in geo asn anon agg; do avail "f2b-$st" || missing+=" f2b-$st"; done
row pipeline "whole pipeline${missing:+ (without$missing)}" "corpus (mbox)" "$SIZE" msg "$CORPUS_BYTES" 33334 "" ""

# --- 8. peers ---------------------------------------------------------------------
if peer_wanted extract; then
    measure py-extract "$PEER_RUNS" "exec python3 bench/peers/py_extract.py $CORPUS_GLOB > $(q "$RUN/py-extract.ndjson")" "${MBOXES[@]}"
    [[ -s $RUN/py-extract.ndjson ]] && note "Python extractor: $(lines "$RUN/py-extract.ndjson") records from the corpus (f2b-extract: $NREC)."
    rm -f "$RUN/py-extract.ndjson"
else
    na py-extract "Python mailbox+email peer: not run (BENCH_PEERS=$PEERS, BENCH_PEER_RUNS=$PEER_RUNS)"
fi
if peer_wanted geo && avail f2b-geo; then
    if py_has maxminddb; then
        measure py-geo "$PEER_RUNS" "exec $(q "$PY") bench/peers/py_geo.py $PY_GEO_ARGS < $(q "$RECORDS") > /dev/null" "$RECORDS"
    else
        na py-geo "Python maxminddb peer: skipped, the maxminddb module could not be imported or installed"
    fi
else
    na py-geo "Python maxminddb peer: not run (BENCH_PEERS=$PEERS, BENCH_PEER_RUNS=$PEER_RUNS)"
fi
if peer_wanted asn && avail f2b-asn; then
    if py_has pyasn; then
        measure py-asn "$PEER_RUNS" "exec $(q "$PY") bench/peers/py_asn.py $PY_ASN_ARGS < $(q "$asn_in") > /dev/null" "$asn_in"
    else
        na py-asn "pyasn peer: skipped, the pyasn module could not be imported or installed"
    fi
else
    na py-asn "pyasn peer: not run (BENCH_PEERS=$PEERS, BENCH_PEER_RUNS=$PEER_RUNS)"
fi
if peer_wanted jq; then
    if have jq; then
        measure jq "$PEER_RUNS" "jq -r .country $(q "$ENRICHED") | sort | uniq -c | sort -rn > /dev/null" "$ENRICHED"
    else
        na jq "jq peer: skipped, jq is not installed (apt-get install jq)"
    fi
else
    na jq "jq peer: not run (BENCH_PEERS=$PEERS, BENCH_PEER_RUNS=$PEER_RUNS)"
fi

# --- 9. the report ----------------------------------------------------------------
{
    echo "size=$SIZE"
    echo "seed=$SEED"
    echo "runs=$RUNS"
    echo "peer_runs=$PEER_RUNS"
    echo "data_kind=$DATA_KIND"
    echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "nproc=$NPROC"
    echo "cpu=$(grep -m1 '^model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//')"
    echo "mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo 2>/dev/null)"
    echo "kernel=$(uname -sr)"
    echo "rustc=$(rustc -V 2>/dev/null || echo unknown)"
    echo "python=$("$PY" -c 'import sys; print(sys.version.split()[0])')"
    echo "uptime_end=$(uptime)"
    echo "root=$ROOT"
    echo "work=$WORK"
    echo "bin=$BIN"
    echo "src_bin=$SRC_BIN"
    echo "home=$HOME"
    echo "f2b_version=$("$X" --version 2>/dev/null || true)"
    echo "commit=$COMMIT"
    echo "dirty=$DIRTY"
    echo "build_step=$BUILD"
    echo "built=$(date -u -r "$BIN/f2b-extract" '+%Y-%m-%d %H:%M UTC' 2>/dev/null || true)"
    echo "peer_versions=$("$PY" - <<'EOF' 2>/dev/null || true
import importlib.metadata as m
out = []
for p in ("maxminddb", "pyasn"):
    try:
        out.append("%s %s" % (p, m.version(p)))
    except Exception:
        pass
print(", ".join(out))
EOF
)$(have jq && echo ", $(jq --version)")"
} >"$RUN/info.env"
python3 bench/report.py "$RUN" "$RESULTS"
say "results: $RESULTS (raw measurements in $RUN)"
