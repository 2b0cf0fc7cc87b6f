#!/usr/bin/env python3
"""Peer of f2b-asn: the same filter written with `pyasn`.

    py_asn.py --pfx2as rv2.pfx2as.gz [--pfx2as rv6.pfx2as.gz] [--names autnums.html] \
        < records.ndjson > enriched.ndjson

pyasn reads its own IPASN format, so the Route Views prefix2as files are
converted in memory first (`PREFIX/LEN<TAB>ASN`, the first origin of a
multi-origin or AS-set route, as pyasn's own converter does) and handed to
`pyasn.pyasn(None, ipasn_string=...)`; the conversion and load are part of the
measured time, as f2b-asn's table load is. For `ip` and `reporter_ip` (prefix
`reporter_`) it adds asn, asns (always null: pyasn keeps one origin),
as_name, as_country (from autnums.html, parsed with a regular expression) and
prefix. Needs `pip install pyasn`.
"""
import argparse
import gzip
import html
import json
import re
import sys

import pyasn

NAME = re.compile(r'<a href="[^"]*">AS(\d+)\s*</a>\s*(.*?)\s*$')
COUNTRY = re.compile(r"^(.*), ([A-Z]{2})$")


def open_text(path):
    with open(path, "rb") as f:
        gz = f.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rt") if gz else open(path)


def ipasn_string(paths):
    lines = []
    for path in paths:
        with open_text(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 3 and not line.startswith("#"):
                    origin = re.split(r"[_,]", parts[2].strip("{}"))[0]
                    lines.append("%s/%s\t%s" % (parts[0], parts[1], origin))
    return "\n".join(lines) + "\n"


def load_names(path):
    names = {}
    if path:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                m = NAME.match(line.strip())
                if m:
                    cc = COUNTRY.match(m.group(2))
                    name, country = (cc.group(1), cc.group(2)) if cc else (m.group(2), None)
                    names.setdefault(int(m.group(1)), (html.unescape(name) or None, country))
    return names


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pfx2as", action="append", required=True)
    ap.add_argument("--names")
    args = ap.parse_args()
    db = pyasn.pyasn(None, ipasn_string=ipasn_string(args.pfx2as))
    names = load_names(args.names)
    out = sys.stdout
    for line in sys.stdin:
        rec = json.loads(line)
        for field, prefix in (("ip", ""), ("reporter_ip", "reporter_")):
            asn = route = None
            ip = rec.get(field)
            if isinstance(ip, str):
                try:
                    asn, route = db.lookup(ip)
                except ValueError:
                    pass
            name, country = names.get(asn, (None, None))
            rec[prefix + "asn"] = asn
            rec[prefix + "asns"] = None
            rec[prefix + "as_name"] = name
            rec[prefix + "as_country"] = country
            rec[prefix + "prefix"] = route if asn is not None else None
        out.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
