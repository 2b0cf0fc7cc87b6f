#!/usr/bin/env python3
"""expect.py DIGEST.json [--top N] > EXPECT.json

What check-page.sh should find on the page f2b-report makes of DIGEST.json,
worked out from the digest alone (docs/digest.md), independently of the Rust
code: the number of bars or cells of each chart, and the shaded gaps.
Standard library only.
"""

import argparse
import gzip
import json
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("digest")
    ap.add_argument("--top", type=int, default=15, help="as given to f2b-report (default 15)")
    args = ap.parse_args()
    opener = gzip.open if open(args.digest, "rb").read(2) == b"\x1f\x8b" else open
    with opener(args.digest, "rt", encoding="utf-8") as f:
        d = json.load(f)
    top = args.top

    if d["by_day"]:
        daily = {"marks": len(d["by_day"]), "gaps": len(d["gaps"])}
    else:
        daily = {"marks": len(d["by_month"]), "gaps": 0}
    attackers = {r["country"] for r in d["flows"]}
    reporters = {r["reporter_country"] for r in d["flows"]}
    expect = {
        "chart-daily": daily,
        "chart-countries": min(top, len(d["by_country"])),
        "chart-asn": min(top, len(d["by_asn"])),
        "chart-services": min(top, len(d["by_service"])),
        "chart-reporters": min(top, len(d["by_reporter_country"])),
        "chart-flows": min(top, len(attackers)) * min(top, len(reporters)),
        "chart-hours": 7 * 24 if d["by_hour_weekday"] is not None else 0,
    }
    json.dump(expect, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
