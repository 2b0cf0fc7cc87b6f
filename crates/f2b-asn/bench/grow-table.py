#!/usr/bin/env python3
"""Grows an IPv4 prefix2as table to about N prefixes for the load benchmark.

    grow-table.py routeviews-prefix2as.txt[.gz] 1000000 | gzip > rv2-1m.pfx2as.gz

Today's real Route Views IPv4 table has about a million prefixes; the
reference data has 565,409. This adds more-specific routes inside existing
ones (the first /24s of covering prefixes, with their origin), as traffic
engineering does, until N is reached, and writes the result sorted by
address. Deterministic.
"""
import gzip
import ipaddress
import sys


def read(path):
    opener = gzip.open if open(path, "rb").read(2) == b"\x1f\x8b" else open
    with opener(path, "rt") as f:
        for line in f:
            p = line.split()
            if len(p) == 3:
                yield int(ipaddress.IPv4Address(p[0])), int(p[1]), p[2]


def main():
    rows = list(read(sys.argv[1]))
    want = int(sys.argv[2])
    have = {(a, l) for a, l, _ in rows}
    extra = []
    for depth in range(1, 256):
        for a, l, o in rows:
            if len(rows) + len(extra) >= want:
                break
            if l >= 24 or depth >= 1 << (24 - l):
                continue
            sub = (a + (depth << 8), 24)
            if sub not in have:
                have.add(sub)
                extra.append((sub[0], 24, o))
        if len(rows) + len(extra) >= want:
            break
    out = sys.stdout
    for a, l, o in sorted(rows + extra):
        out.write(f"{ipaddress.IPv4Address(a)}\t{l}\t{o}\n")


if __name__ == "__main__":
    main()
