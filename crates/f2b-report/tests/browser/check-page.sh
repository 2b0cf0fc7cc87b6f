#!/usr/bin/env bash
# check-page.sh — load an f2b-report page in headless Chromium and check it.
#
#   check-page.sh [--screenshot OUT.png] [--window-size W,H] PAGE.html EXPECT.json
#
# Checks, on the DOM as Chromium has it after running the page's script:
#   - no console message and no uncaught error while loading (Chromium writes
#     them to stderr with --enable-logging=stderr);
#   - the inline script ran (<body data-ready="1">);
#   - each figure id of EXPECT.json is there with the expected number of marks
#     (elements of class "bar" or "cell" inside it), equal to its data-count;
#     a figure expected with 0 marks must say "no data".
# EXPECT.json maps figure ids to a mark count, or to {"marks": N, "gaps": G}
# to check the shaded gaps (class "gap") too:
#   {"chart-daily": {"marks": 11, "gaps": 2}, "chart-countries": 15, ...}
# tests/browser/expect.py DIGEST.json writes it from a digest.
#
# With --screenshot, also writes a PNG of the page at --window-size (default
# 1280,2400). Needs bash and python3 (standard library only). Chromium is
# looked for as chromium, chromium-browser, google-chrome; when none is found
# and we are root with apt-get, the Debian package `chromium` is installed.
#
# Exit status: 0 the page passed; 1 it failed (the reasons are printed);
# 2 bad usage or no browser.
set -euo pipefail

prog=check-page
screenshot=
window=1280,2400
usage() {
    echo "usage: $prog [--screenshot OUT.png] [--window-size W,H] PAGE.html EXPECT.json" >&2
    exit 2
}
while [ $# -gt 0 ]; do
    case $1 in
        --screenshot) [ $# -ge 2 ] || usage; screenshot=$2; shift 2 ;;
        --screenshot=*) screenshot=${1#*=}; shift ;;
        --window-size) [ $# -ge 2 ] || usage; window=$2; shift 2 ;;
        --window-size=*) window=${1#*=}; shift ;;
        -h|--help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) usage ;;
        *) break ;;
    esac
done
[ $# -eq 2 ] || usage
page=$1
expect=$2
[ -f "$page" ] || { echo "$prog: no page $page" >&2; exit 2; }
[ -f "$expect" ] || { echo "$prog: no expectations $expect" >&2; exit 2; }
case $window in
    [0-9]*,[0-9]*) ;;
    *) echo "$prog: --window-size wants W,H, not $window" >&2; exit 2 ;;
esac

find_browser() {
    local candidate
    for candidate in chromium chromium-browser google-chrome google-chrome-stable; do
        if command -v "$candidate" >/dev/null 2>&1; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

browser=$(find_browser || true)
if [ -z "$browser" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "$prog: installing chromium (apt-get)" >&2
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >&2
    browser=$(find_browser || true)
fi
if [ -z "$browser" ]; then
    echo "$prog: no chromium, chromium-browser or google-chrome found (install Debian's chromium)" >&2
    exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
url="file://$(cd "$(dirname "$page")" && pwd)/$(basename "$page")"

# Every switch that would reach the network or the desktop is off.
run_browser() {
    local profile
    profile=$(mktemp -d "$work/profile.XXXXXX")
    timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
        --disable-background-networking --disable-component-update --disable-sync \
        --disable-extensions --disable-default-apps --no-first-run --no-default-browser-check \
        --hide-scrollbars --mute-audio --user-data-dir="$profile" \
        --enable-logging=stderr --v=0 --virtual-time-budget=5000 "$@"
}

if ! run_browser --dump-dom "$url" >"$work/dom.html" 2>"$work/log.txt"; then
    echo "$prog: $browser failed on $page:" >&2
    tail -n 20 "$work/log.txt" >&2
    exit 1
fi

status=0
python3 - "$work/dom.html" "$work/log.txt" "$expect" "$page" <<'PY' || status=1
import json
import re
import sys
from html.parser import HTMLParser

dom_path, log_path, expect_path, page = sys.argv[1:5]
problems = []

# Console output of the page: "[...:INFO:CONSOLE(12)] "message", source: ..."
# (the level depends on the Chromium version), and uncaught exceptions.
with open(log_path, encoding="utf-8", errors="replace") as log:
    for line in log:
        if ":CONSOLE" in line or "Uncaught" in line:
            problems.append("console: " + line.strip())


class Marks(HTMLParser):
    """Counts, per figure id, the elements of class bar/cell/gap inside it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.figures = {}
        self.current = None
        self.depth = 0
        self.ready = False
        self.text = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "body" and attrs.get("data-ready") == "1":
            self.ready = True
        if tag == "figure" and attrs.get("id"):
            self.current = attrs["id"]
            self.depth = 0
            self.figures[self.current] = {
                "count": attrs.get("data-count"),
                "bar": 0, "cell": 0, "gap": 0,
            }
            self.text[self.current] = []
        if self.current is None:
            return
        if tag == "figure":
            self.depth += 1
        classes = (attrs.get("class") or "").split()
        for mark in ("bar", "cell", "gap"):
            if mark in classes:
                self.figures[self.current][mark] += 1

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag == "figure":
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag == "figure" and self.current is not None:
            self.depth -= 1
            if self.depth <= 0:
                self.current = None

    def handle_data(self, data):
        if self.current is not None:
            self.text[self.current].append(data)


with open(dom_path, encoding="utf-8", errors="replace") as f:
    dom = f.read()
if "<body" not in dom:
    problems.append("the browser gave no DOM")
parser = Marks()
parser.feed(dom)
if not parser.ready:
    problems.append('the inline script did not run (no <body data-ready="1">)')

with open(expect_path, encoding="utf-8") as f:
    expect = json.load(f)
for fid, want in expect.items():
    if isinstance(want, int):
        want = {"marks": want}
    got = parser.figures.get(fid)
    if got is None:
        problems.append(f"{fid}: no such figure")
        continue
    marks = got["bar"] + got["cell"]
    if marks != want["marks"]:
        problems.append(f"{fid}: {marks} bars/cells, expected {want['marks']}")
    if got["count"] != str(marks):
        problems.append(f"{fid}: data-count={got['count']} but {marks} bars/cells drawn")
    if "gaps" in want and got["gap"] != want["gaps"]:
        problems.append(f"{fid}: {got['gap']} gaps shaded, expected {want['gaps']}")
    text = " ".join(parser.text.get(fid, []))
    if want["marks"] == 0 and not re.search(r"no data", text, re.I):
        problems.append(f"{fid}: no marks but no 'no data' either")
    print(f"  {fid}: {marks} marks" + (f", {got['gap']} gaps" if got["gap"] else ""))
unchecked = sorted(set(parser.figures) - set(expect))
if unchecked:
    print("  not checked (not in the expectations): " + ", ".join(unchecked))

if problems:
    for p in problems:
        print(f"check-page: {page}: {p}", file=sys.stderr)
    sys.exit(1)
PY

if [ -n "$screenshot" ]; then
    if run_browser --screenshot="$screenshot" --window-size="$window" "$url" \
        >"$work/shot.out" 2>"$work/shot.log" && [ -s "$screenshot" ]; then
        echo "$prog: screenshot $screenshot ($window)"
    else
        echo "$prog: no screenshot written:" >&2
        tail -n 20 "$work/shot.log" >&2
        status=1
    fi
fi

if [ $status -eq 0 ]; then
    echo "$prog: $page: ok"
else
    echo "$prog: $page: FAILED" >&2
fi
exit $status
