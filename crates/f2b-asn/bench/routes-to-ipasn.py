#!/usr/bin/env python3
"""Converts Route Views prefix2as files to pyasn's IPASN format.

    routes-to-ipasn.py rv2.pfx2as[.gz] [rv6.pfx2as[.gz] ...] > ipasn.dat

pyasn keeps one origin per prefix: like pyasn's own converter, the first AS
of a multi-origin (A_B) or AS-set (A,B) route is kept.
"""
import gzip
import re
import sys


def open_text(path):
    with open(path, "rb") as f:
        magic = f.read(2)
    return gzip.open(path, "rt") if magic == b"\x1f\x8b" else open(path)


def main():
    out = sys.stdout
    out.write("; IP-ASN32-DAT file\n; converted from prefix2as by routes-to-ipasn.py\n")
    for path in sys.argv[1:]:
        with open_text(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) != 3 or line.startswith("#"):
                    continue
                first = re.split(r"[_,]", parts[2].strip("{}"))[0].strip("{}")
                out.write(f"{parts[0]}/{parts[1]}\t{first}\n")


if __name__ == "__main__":
    main()
