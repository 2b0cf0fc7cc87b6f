#!/usr/bin/env bash
# Runs the recipes of contrib/recipes/README.md (the blocks starting with
# `# recipe: NAME` / `-- recipe: NAME`, as written there) and checks each result
# against the digest f2b-agg writes for the same records.
#
#   contrib/recipes/test-recipes.sh           # pipeline on the embedded sample, in a temp dir
#   contrib/recipes/test-recipes.sh out       # make demo's out/ (records.ndjson, enriched.ndjson, dataset.csv)
#
# Needs jq, python3 with venv and pip, and the f2b binaries (BIN, default target/debug).
# Installs duckdb (pinned) into .venv-recipes/ at the repository root, reused when there.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
DUCKDB_VERSION=1.4.5
VENV=${VENV:-$ROOT/.venv-recipes}
BIN=${BIN:-target/debug}
case $BIN in /*) ;; *) BIN=$ROOT/$BIN ;; esac
SRC=${1:-}

fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }
T_ALL=$(now)

if ! command -v jq >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing jq (apt-get)"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq; } >&2
fi
command -v jq >/dev/null || fail "jq is not on PATH (apt-get install jq)"
for b in f2b-extract f2b-geo f2b-asn f2b-anon f2b-agg f2b-sample; do
    [ -x "$BIN/$b" ] || fail "$BIN/$b is missing: build the workspace first (cargo build --workspace), or set BIN=DIR"
done

T=$(now)
if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import duckdb, sys; sys.exit(duckdb.__version__ != '$DUCKDB_VERSION')" 2>/dev/null; then
    echo "== reusing $VENV (duckdb $DUCKDB_VERSION)"
else
    echo "== installing duckdb $DUCKDB_VERSION into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check "duckdb==$DUCKDB_VERSION"
    echo "== pip install took $(elapsed "$T")"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/f2b-recipes-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
if [ -n "$SRC" ]; then
    for f in records.ndjson enriched.ndjson dataset.csv; do
        [ -f "$SRC/$f" ] || fail "$SRC/$f is missing (make demo writes it)"
        cp "$SRC/$f" "$WORK/$f"
    done
    echo "== recipes over $SRC"
else
    "$BIN/f2b-sample" data --from data/sample --out "$WORK/data" -q
    "$BIN/f2b-extract" -q -r data/sample/mail -o "$WORK/records.ndjson"
    "$BIN/f2b-geo" -q --db "$WORK/data/sample-city.mmdb" "$WORK/records.ndjson" \
        | "$BIN/f2b-asn" -q --pfx2as-dir "$WORK/data" --names "$WORK/data/autnums.html" -o "$WORK/enriched.ndjson"
    "$BIN/f2b-anon" -q --csv "$WORK/enriched.ndjson" -o "$WORK/dataset.csv"
    echo "== recipes over the embedded sample ($(wc -l < "$WORK/records.ndjson") records)"
fi
"$BIN/f2b-agg" -q "$WORK/enriched.ndjson" -o "$WORK/digest.json"

# Local time far from UTC: day and hour recipes must not depend on it.
TZ=Asia/Tokyo "$VENV/bin/python" - "$ROOT/contrib/recipes/README.md" "$WORK" <<'EOF'
import csv, io, json, os, re, subprocess, sys
import duckdb

readme, work = sys.argv[1], sys.argv[2]
os.chdir(work)
digest = json.load(open("digest.json", encoding="utf-8"))

recipes = {}
for block in re.findall(r"^```(?:sh|sql)\n(.*?)^```", open(readme, encoding="utf-8").read(), re.S | re.M):
    m = re.match(r"(?:#|--) recipe: (\S+)\n", block)
    if m:
        recipes[m.group(1)] = block
expected = ["jq-top-countries", "jq-by-country", "jq-per-day", "jq-by-day", "duckdb-types",
            "duckdb-views", "duckdb-top-countries", "duckdb-per-day", "duckdb-top-asns",
            "duckdb-csv-countries", "sheet-country-by-month", "sheet-per-day"]
missing = [n for n in expected if n not in recipes]
if missing:
    sys.exit("FAIL: recipes missing from README.md: %s" % missing)

failures = passed = 0
def check(name, ok, detail=""):
    global failures, passed
    print("%s %s%s" % ("ok  " if ok else "FAIL", name, "" if ok else ": " + detail))
    failures += not ok
    passed += bool(ok)

def sh(name):
    return subprocess.run(["bash", "-c", "set -euo pipefail\n" + recipes[name]], check=True,
                          capture_output=True, text=True).stdout

def first_diff(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return "row %d: got %r, digest %r" % (i, x, y)
    return "got %d rows, digest %d" % (len(a), len(b))

# --- jq
got = [l.split() for l in sh("jq-top-countries").splitlines()]
want = [[str(r["reports"]), r["country"] or "-"] for r in digest["by_country"][:10]]
check("jq-top-countries = by_country[:10]", got == want, first_diff(got, want))

got = json.loads(sh("jq-by-country"))
check("jq-by-country = by_country", got == digest["by_country"], first_diff(got, digest["by_country"]))

got = [l.split() for l in sh("jq-per-day").splitlines()]
want = [[str(r["reports"]), r["date"]] for r in digest["by_day"]]
check("jq-per-day = by_day reports", got == want, first_diff(got, want))

got = json.loads(sh("jq-by-day"))
check("jq-by-day = by_day", got == digest["by_day"], first_diff(got, digest["by_day"]))

# --- DuckDB
con = duckdb.connect()
def sql(name):
    body = re.sub(r"^--.*\n", "", recipes[name], flags=re.M)
    cur = con.execute(body)
    if cur.description is None:
        return []
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row)) for row in cur.fetchall()]

types = {r["column_name"]: r["column_type"] for r in sql("duckdb-types")}
check("read_json_auto: ts TIMESTAMP, asn BIGINT", types.get("ts") == "TIMESTAMP" and types.get("asn") == "BIGINT", str(types))
sql("duckdb-views")
types = {r[0]: r[1] for r in con.execute("DESCRIBE enriched").fetchall()}
check("view enriched: ts TIMESTAMP, asn BIGINT", types.get("ts") == "TIMESTAMP" and types.get("asn") == "BIGINT", str(types))
types = {r[0]: r[1] for r in con.execute("DESCRIBE dataset").fetchall()}
check("view dataset: date VARCHAR, asn BIGINT", types.get("date") == "VARCHAR" and types.get("asn") == "BIGINT", str(types))
tz = con.execute("SELECT current_setting('TimeZone')").fetchone()[0]
check("session TimeZone is not UTC (%s)" % tz, tz not in ("UTC", "Etc/UTC", "GMT"), tz)

for name, section in [("duckdb-top-countries", "by_country"), ("duckdb-per-day", "by_day"),
                      ("duckdb-top-asns", "by_asn")]:
    got = sql(name)
    check("%s = %s" % (name, section), got == digest[section], first_diff(got, digest[section]))

got = sql("duckdb-csv-countries")
want = [{"country": r["country"], "reports": r["reports"]} for r in digest["by_country"]]
check("duckdb-csv-countries = by_country reports", got == want, first_diff(got, want))

# --- spreadsheets
sql("sheet-country-by-month")
rows = list(csv.reader(open("country-by-month.csv", encoding="utf-8", newline="")))
head, body = rows[0], rows[1:]
num = lambda c: int(c) if c else 0
by_row = {r[0]: sum(num(c) for c in r[1:]) for r in body}
want = {(r["country"] or "-"): r["reports"] for r in digest["by_country"]}
check("country-by-month row totals = by_country", by_row == want, "%r" % sorted(set(by_row.items()) ^ set(want.items()))[:4])
by_col = {m: sum(num(r[i]) for r in body) for i, m in enumerate(head) if i > 0}
want = {r["month"]: r["reports"] for r in digest["by_month"]}
check("country-by-month column totals = by_month", by_col == want and head[1:] == sorted(head[1:]),
      "%r" % sorted(set(by_col.items()) ^ set(want.items()))[:4])

sql("sheet-per-day")
rows = list(csv.reader(open("reports-per-day.csv", encoding="utf-8", newline="")))
ok = rows[0] == ["date", "reports"] and all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", r[0]) for r in rows[1:])
got = [(r[0], int(r[1])) for r in rows[1:]]
want = [(r["date"], r["reports"]) for r in digest["by_day"] if len(r["date"]) == 10]
check("reports-per-day.csv: ISO dates, = by_day", ok and got == want, first_diff(got, want))

print("recipes: %d passed, %d failed" % (passed, failures))
sys.exit(1 if failures else 0)
EOF
echo "== done in $(elapsed "$T_ALL")"
