#!/usr/bin/env python3
"""The f2b-geo filter in Python with the official `maxminddb` module: the
baseline of the benchmark and the reference of the correctness check.

    bench/geo_filter.py --db GeoLite2-City.mmdb [--db ...] [--lang en] < in > out

It does what f2b-geo does: for `ip` and `reporter_ip` (prefix `reporter_`) it
adds country, region, city, lat, lon (null when unknown, private or reserved),
all five from one database (the first that knows the country decides it; of it
and the later ones giving the same country, the first with a city, else a
region, else coordinates), names in --lang else English,
and answers are cached per address (functools.lru_cache, 200,000 entries, the
same bound as f2b-geo's default). Needs `pip install maxminddb`.
"""

import argparse
import functools
import ipaddress
import json
import sys

import maxminddb

RESERVED_V4 = [ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
    "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15",
    "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4")]
RESERVED_V6 = [ipaddress.ip_network(n) for n in (
    "::/128", "::1/128", "64:ff9b:1::/48", "100::/64", "2001:2::/48", "2001:10::/28",
    "2001:db8::/32", "3fff::/20", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8")]

FIELDS = ("country", "region", "city", "lat", "lon")
NULLS = (None, None, None, None, None)


def name(obj, lang):
    names = (obj or {}).get("names") or {}
    return names.get(lang) or names.get("en") or None


def precision(p):
    """How closely a place locates: 3 a city, 2 a region, 1 a point, 0 a country."""
    return 3 if p[2] is not None else 2 if p[1] is not None else 1 if p[3] is not None else 0


def place(record, lang):
    """(country, region, city, lat, lon) of one database record, either layout."""
    if record is None:
        return NULLS
    country = (record.get("country") or {}).get("iso_code") or record.get("country_code") or None
    subdivisions = record.get("subdivisions") or []
    region = (name(subdivisions[0], lang) if subdivisions else None) or record.get("state1") or None
    city = record.get("city")
    city = (name(city, lang) if isinstance(city, dict) else city) or None
    loc = record.get("location") or {}
    lat, lon = loc.get("latitude"), loc.get("longitude")
    if lat is None or lon is None:
        lat, lon = record.get("latitude"), record.get("longitude")
        if lat is None or lon is None:
            lat = lon = None
    return (country, region, city, lat, lon)


class Geo:
    def __init__(self, paths, lang, cache=200_000):
        self.readers = [maxminddb.open_database(p, maxminddb.MODE_MMAP_EXT) for p in paths]
        self.lang = lang
        self.locate = functools.lru_cache(maxsize=cache)(self._locate)

    def _locate(self, text):
        """('found', place) / ('unresolved', NULLS) / ('private', NULLS) / ('invalid', NULLS)."""
        try:
            ip = ipaddress.ip_address(text)
        except ValueError:
            return "invalid", NULLS
        if ip.version == 6 and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip.version == 6 and ip.teredo is not None:
            ip = ip.teredo[1]  # the client's address (RFC 4380)
        reserved = RESERVED_V4 if ip.version == 4 else RESERVED_V6
        if any(ip in net for net in reserved):
            return "private", NULLS
        # One place from one database: the first to know the country decides
        # it; of it and the later ones with the same country, the closest.
        anchor = answer = None
        for reader in self.readers:
            if ip.version == 6 and reader.metadata().ip_version == 4:
                continue
            p = place(reader.get(ip), self.lang)
            if all(v is None for v in p):
                continue
            if anchor is None or (anchor[0] is None and p[0] is not None):
                anchor = answer = p
            elif p[0] is not None and p[0] == anchor[0] and precision(p) > precision(answer):
                answer = p
        if answer is None:
            return "unresolved", NULLS
        return "found", tuple(answer)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", action="append", required=True)
    ap.add_argument("--lang", default="en")
    args = ap.parse_args()
    geo = Geo(args.db, args.lang)
    out = sys.stdout
    for line in sys.stdin:
        record = json.loads(line)
        for field, prefix in (("ip", ""), ("reporter_ip", "reporter_")):
            text = record.get(field)
            values = geo.locate(text)[1] if isinstance(text, str) else NULLS
            for key, value in zip(FIELDS, values):
                record[prefix + key] = value
        out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
        out.write("\n")


if __name__ == "__main__":
    main()
