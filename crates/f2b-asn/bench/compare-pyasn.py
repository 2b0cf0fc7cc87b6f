#!/usr/bin/env python3
"""Checks f2b-asn's output against pyasn on the same table.

    compare-pyasn.py IPASN_DAT enriched.ndjson

For every record, and for `ip` and `reporter_ip`, pyasn's (asn, prefix) must
equal f2b-asn's (asn, prefix); f2b-asn's asn is the first origin, which is
what the IPASN conversion keeps. Prints the counts and the first mismatches;
exit status 1 on any mismatch.
"""
import json
import sys

import pyasn


def main():
    db = pyasn.pyasn(sys.argv[1])
    checked = mismatched = resolved = 0
    with open(sys.argv[2]) as f:
        for n, line in enumerate(f, 1):
            rec = json.loads(line)
            for key, pre in (("ip", ""), ("reporter_ip", "reporter_")):
                ip = rec.get(key)
                if not isinstance(ip, str):
                    continue
                try:
                    want = db.lookup(ip)
                except ValueError:
                    want = (None, None)
                if want[0] is None:
                    want = (None, None)
                got = (rec.get(pre + "asn"), rec.get(pre + "prefix"))
                checked += 1
                resolved += got[0] is not None
                if got != want:
                    mismatched += 1
                    if mismatched <= 10:
                        print(f"line {n} {key} {ip}: f2b-asn {got}, pyasn {want}")
    print(f"{checked} lookups compared ({resolved} resolved), {mismatched} mismatches")
    sys.exit(1 if mismatched else 0)


if __name__ == "__main__":
    main()
