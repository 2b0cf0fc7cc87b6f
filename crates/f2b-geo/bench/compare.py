#!/usr/bin/env python3
"""Checks f2b-geo's output against the official `maxminddb` module.

    f2b-geo --db A.mmdb [--db B.mmdb] records.ndjson > geo.ndjson
    bench/compare.py --db A.mmdb [--db B.mmdb] [--lang en] geo.ndjson

For every record and every added field (country, region, city, lat, lon and the
reporter_ versions) it recomputes the value from `maxminddb.Reader.get` with the
rules of geo_filter.py and compares:
- strings and nulls must be equal;
- numbers must be the same number: equal as doubles, or, for coordinates the
  database stores as 32-bit floats (DB-IP), equal as that float. f2b-geo writes
  a float with the shortest digits that give it back (45.5019), where Python
  widens it to a double and prints 45.50189971923828: the same stored value.
Prints the counts and the first mismatches; exits 1 on any mismatch.
"""

import argparse
import json
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from geo_filter import FIELDS, NULLS, Geo  # noqa: E402


def as_float32(x):
    return struct.unpack("f", struct.pack("f", x))[0]


def same(ours, theirs):
    if isinstance(theirs, float) and isinstance(ours, (int, float)) and not isinstance(ours, bool):
        if float(ours) == theirs:
            return True
        # A float32 widened to a double is exactly representable as float32.
        return as_float32(theirs) == theirs and as_float32(float(ours)) == theirs
    return ours == theirs and type(ours) is type(theirs)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", action="append", required=True)
    ap.add_argument("--lang", default="en")
    ap.add_argument("output", help="f2b-geo's output (NDJSON)")
    args = ap.parse_args()
    geo = Geo(args.db, args.lang, cache=None)

    records = values = mismatches = 0
    outcomes = {}
    seen = set()
    with open(args.output, encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            records += 1
            for field, prefix in (("ip", ""), ("reporter_ip", "reporter_")):
                text = record.get(field)
                kind, expected = geo.locate(text) if isinstance(text, str) else ("absent", NULLS)
                if (field, text) not in seen:
                    seen.add((field, text))
                    outcomes[kind] = outcomes.get(kind, 0) + 1
                for key, want in zip(FIELDS, expected):
                    got = record.get(prefix + key, "MISSING")
                    values += 1
                    if not same(got, want):
                        mismatches += 1
                        if mismatches <= 10:
                            print(f"line {records}: {field}={text}: {prefix + key}: "
                                  f"f2b-geo {got!r}, maxminddb {want!r}")
    distinct = ", ".join(f"{n} {k}" for k, n in sorted(outcomes.items()))
    print(f"{records} records, {values} values compared, {mismatches} mismatches; "
          f"distinct (field, address) pairs: {distinct}")
    sys.exit(1 if mismatches else 0)


if __name__ == "__main__":
    main()
