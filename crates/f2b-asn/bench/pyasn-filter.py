#!/usr/bin/env python3
"""The same stage as f2b-asn, written with pyasn: the baseline of the benchmark.

    pyasn-filter.py IPASN_DAT AUTNUMS_HTML < records.ndjson > enriched.ndjson

For `ip` and `reporter_ip` it adds asn, asns (null: pyasn keeps one origin),
as_name, as_country and prefix, like f2b-asn. Names come from the same
autnums.html, parsed with a regular expression.
"""
import json
import re
import sys

import pyasn

NAME = re.compile(r'<a href="[^"]*">AS(\d+)\s*</a>\s*(.*?)\s*$')
CC = re.compile(r"^(.*), ([A-Z]{2})$")
ENT = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'"}


def load_names(path):
    names = {}
    with open(path, "rb") as f:
        for raw in f:
            line = raw.decode("utf-8", "replace")
            m = NAME.match(line.strip())
            if not m:
                continue
            text = m.group(2)
            cc = CC.match(text)
            name, country = (cc.group(1), cc.group(2)) if cc else (text, None)
            for k, v in ENT.items():
                name = name.replace(k, v)
            names.setdefault(int(m.group(1)), (name or None, country))
    return names


def main():
    db = pyasn.pyasn(sys.argv[1])
    names = load_names(sys.argv[2])
    fields = (("ip", ""), ("reporter_ip", "reporter_"))
    out = sys.stdout
    for line in sys.stdin:
        rec = json.loads(line)
        for key, pre in fields:
            asn = prefix = None
            ip = rec.get(key)
            if isinstance(ip, str):
                try:
                    asn, prefix = db.lookup(ip)
                except ValueError:
                    pass
            name, country = names.get(asn, (None, None)) if asn is not None else (None, None)
            rec[pre + "asn"] = asn
            rec[pre + "asns"] = None
            rec[pre + "as_name"] = name
            rec[pre + "as_country"] = country
            rec[pre + "prefix"] = prefix if asn is not None else None
        out.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
