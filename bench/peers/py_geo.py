#!/usr/bin/env python3
"""Peer of f2b-geo: the same filter written with MaxMind's `maxminddb` module.

    py_geo.py --db GeoLite2-City.mmdb [--db ...] < records.ndjson > geo.ndjson

For `ip` and `reporter_ip` (prefix `reporter_`) it adds country, region,
city, lat and lon (null when the database has no answer); with several
databases the first one with an answer wins. Answers are cached per address
(functools.lru_cache, 200,000 entries, f2b-geo's default cache size), as a
user who knows that attackers come back would do. Needs `pip install maxminddb`.
"""
import argparse
import functools
import json
import sys

import maxminddb

NULLS = (None, None, None, None, None)


def en(obj):
    return ((obj or {}).get("names") or {}).get("en")


def place(rec):
    """(country, region, city, lat, lon) of a GeoIP2-City or DB-IP lite record."""
    country = (rec.get("country") or {}).get("iso_code") or rec.get("country_code")
    subdivisions = rec.get("subdivisions") or [None]
    region = en(subdivisions[0]) or rec.get("state1")
    city = rec.get("city")
    city = en(city) if isinstance(city, dict) else city
    loc = rec.get("location") or rec
    return (country, region, city, loc.get("latitude"), loc.get("longitude"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", action="append", required=True)
    args = ap.parse_args()
    readers = [maxminddb.open_database(path) for path in args.db]

    @functools.lru_cache(maxsize=200_000)
    def locate(ip):
        for reader in readers:
            try:
                rec = reader.get(ip)
            except ValueError:  # not an address, or IPv6 in an IPv4-only file
                continue
            if rec:
                return place(rec)
        return NULLS

    out = sys.stdout
    for line in sys.stdin:
        rec = json.loads(line)
        for field, prefix in (("ip", ""), ("reporter_ip", "reporter_")):
            ip = rec.get(field)
            values = locate(ip) if isinstance(ip, str) else NULLS
            for key, value in zip(("country", "region", "city", "lat", "lon"), values):
                rec[prefix + key] = value
        out.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
