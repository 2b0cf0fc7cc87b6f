#!/usr/bin/env python3
"""Writes N enriched f2b records (NDJSON, as f2b-extract | f2b-geo | f2b-asn
would) for benchmarking f2b-anon. Deterministic: the same N gives the same file.

    python3 crates/f2b-anon/bench/gen_records.py 1000000 > /tmp/enriched.ndjson

Every record has the full set of upstream fields (~650 bytes): addresses,
host names, message ids, paths, geo and AS data for attacker and reporter.
The values are drawn from small pools so that the quasi-identifier
combinations repeat like real data (a few thousand cities, a few hundred ASes,
a year of dates, a long tail of rare combinations).
"""

import json
import random
import sys

CITIES = [
    ("CN", "Beijing", "Beijing", 4134, "CHINANET-BACKBONE No.31,Jin-rong Street"),
    ("CN", "Guangdong", "Guangzhou", 4134, "CHINANET-BACKBONE No.31,Jin-rong Street"),
    ("CN", "Shandong", "Jinan", 4837, "CHINA169-BACKBONE CHINA UNICOM China169 Backbone"),
    ("US", "California", "Los Angeles", 7018, "ATT-INTERNET4 - AT&T Services, Inc."),
    ("US", "Texas", "Dallas", 46606, "UNIFIEDLAYER-AS-1 - Unified Layer"),
    ("KR", "Seoul", "Seoul", 4766, "KIXS-AS-KR Korea Telecom"),
    ("BR", "Sao Paulo", "São Paulo", 28573, "CLARO S.A."),
    ("RU", "Moscow", "Moscow", 12389, "ROSTELECOM-AS PJSC Rostelecom"),
    ("DE", "Bavaria", "Nuremberg", 24940, "HETZNER-AS Hetzner Online GmbH"),
    ("FR", "Hauts-de-France", "Roubaix", 16276, "OVH OVH SAS"),
    ("VN", "Hanoi", "Hanoi", 45899, "VNPT-AS-VN VNPT Corp"),
    ("IN", "Maharashtra", "Mumbai", 9829, "BSNL-NIB National Internet Backbone"),
]
JAILS = [("ssh-iptables", "ssh"), ("SSH", "ssh"), ("sasl", "smtp"), ("ProFTPD", "ftp"),
         ("apache-badbots", "web"), ("named-refused-udp", "dns"), ("acme-custom", "other")]
REPORTERS = [("DE", "Bavaria", "Munich", 3320, "DTAG Deutsche Telekom AG"),
             ("US", "Virginia", "Ashburn", 14618, "AMAZON-AES - Amazon.com, Inc."),
             ("NL", "North Holland", "Amsterdam", 60781, "LEASEWEB-NL-AMS-01 Netherlands")]


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    rng = random.Random(42)
    out = sys.stdout
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    for i in range(n):
        country, region, city, asn, as_name = rng.choice(CITIES)
        # A long tail: one record in 50 comes from a rare place.
        if rng.random() < 0.02:
            city = "Town %d" % rng.randrange(5000)
        jail, service = rng.choice(JAILS)
        rc, rr, rcity, rasn, ras_name = rng.choice(REPORTERS)
        day = 1 + rng.randrange(28)
        month = 1 + rng.randrange(12)
        ip = "%d.%d.%d.%d" % (rng.randrange(1, 224), rng.randrange(256), rng.randrange(256), rng.randrange(1, 255))
        server = rng.randrange(5000)
        host = "mail%d.example%d.org" % (server, server % 97)
        rip = "198.51.%d.%d" % (server // 250, server % 250)
        rec = {
            "ts": "2011-%02d-%02dT%02d:%02d:%02dZ" % (month, day, rng.randrange(24), rng.randrange(60), rng.randrange(60)),
            "ip": ip,
            "jail": jail,
            "service": service,
            "failures": rng.randrange(3, 12),
            "reporter_host": host,
            "reporter_ip": rip,
            "msgid": "<2011%02d%02d%06d.GA%d@%s>" % (month, day, i % 1000000, i, host),
            "src": "mail/fail2ban.mbox:%d" % (i * 4096),
            "country": country,
            "region": region,
            "city": city,
            "lat": 39.9042,
            "lon": 116.4074,
            "reporter_country": rc,
            "reporter_region": rr,
            "reporter_city": rcity,
            "reporter_lat": 48.1374,
            "reporter_lon": 11.5755,
            "asn": asn,
            "as_name": as_name,
            "as_country": country,
            "prefix": ip.rsplit(".", 1)[0] + ".0/24",
            "reporter_asn": rasn,
            "reporter_as_name": ras_name,
            "reporter_as_country": rc,
            "reporter_prefix": rip.rsplit(".", 1)[0] + ".0/24",
        }
        out.write(dumps(rec))
        out.write("\n")


if __name__ == "__main__":
    main()
