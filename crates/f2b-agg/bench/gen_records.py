#!/usr/bin/env python3
"""Writes realistic enriched f2b records (NDJSON) for the f2b-agg benchmark.

The records look like the output of `f2b-extract | f2b-geo | f2b-asn`: bans
reported between 2010 and 2014 with multi-week gaps in the collection,
~200,000 distinct attacker addresses with a heavy-tailed number of reports
each, ~5,000 reporting servers, ~150 countries and ~5,000 ASNs.

    python3 gen_records.py [--records N] [--seed S] > records.ndjson

Deterministic for a given seed; standard library only.
"""

import argparse
import json
import math
import random
import sys
from datetime import datetime, timedelta, timezone

# service -> (weight as an attacker's target, the jail names servers use for it)
SERVICES = {
    "ssh": (80, ["ssh-iptables", "ssh-iptables", "SSH", "sshd", "ssh", "ssh-ddos"]),
    "ftp": (5, ["proftpd", "vsftpd", "pure-ftpd"]),
    "smtp": (6, ["sasl", "postfix", "exim"]),
    "imap-pop": (3, ["dovecot", "courier-auth"]),
    "web": (3, ["apache-auth", "apache-badbots", "nginx-http-auth"]),
    "dns": (1, ["named-refused"]),
    "voip": (1, ["asterisk"]),
    "db": (1, ["mysqld-auth"]),
    "recidive": (1, ["recidive"]),
    "other": (1, ["my-custom-jail"]),
}
ACCENTED = ["São ", "Zürich", "Kraków", "Besançon", "Málaga", "Øster", "Dalian 大连"]

# Collection outages: (first day, length in days) with no report at all.
GAPS = [("2010-09-12", 23), ("2011-05-02", 40), ("2012-02-14", 17),
        ("2013-06-20", 61), ("2014-03-03", 4), ("2014-08-10", 28)]
START = datetime(2010, 1, 1, tzinfo=timezone.utc)
END = datetime(2014, 12, 31, 23, 59, 59, tzinfo=timezone.utc)


def word(rng, n=None):
    n = n or rng.randint(4, 10)
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(n))


def zipf_weights(n, s):
    return [1.0 / (i + 1) ** s for i in range(n)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=2_000_000)
    ap.add_argument("--attackers", type=int, default=200_000)
    ap.add_argument("--reporters", type=int, default=5_000)
    ap.add_argument("--countries", type=int, default=150)
    ap.add_argument("--asns", type=int, default=5_000)
    ap.add_argument("--seed", type=int, default=2011)
    a = ap.parse_args()
    rng = random.Random(a.seed)

    countries = []
    codes = set()
    while len(countries) < a.countries:
        cc = word(rng, 2).upper()
        if cc in codes:
            continue
        codes.add(cc)
        regions = [word(rng).capitalize() for _ in range(rng.randint(1, 12))]
        # Some names are not ASCII, as in GeoLite2.
        cities = [((rng.choice(ACCENTED) if rng.random() < 0.1 else "") + word(rng).capitalize(),
                   rng.choice(regions),
                   round(rng.uniform(-60, 70), 4), round(rng.uniform(-180, 180), 4))
                  for _ in range(rng.randint(1, 30))]
        countries.append((cc, cities))
    cweights = zipf_weights(len(countries), 1.1)

    asns = []
    for i in range(a.asns):
        asn = rng.randint(1, 400_000)
        asns.append((asn, f"{word(rng).upper()}-AS {word(rng).capitalize()} Networks",
                     rng.choice(countries)[0]))

    def place():
        cc, cities = rng.choices(countries, cweights)[0]
        city, region, lat, lon = rng.choice(cities)
        if rng.random() < 0.08:  # unresolved below country level
            return cc, None, None, lat, lon
        return cc, region, city, lat, lon

    attackers = []
    seen = set()
    while len(attackers) < a.attackers:
        ip = f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        if ip in seen:
            continue
        seen.add(ip)
        asn = rng.choice(asns) if rng.random() > 0.02 else None
        geo = place() if rng.random() > 0.01 else (None, None, None, None, None)
        prefix = ".".join(ip.split(".")[:2]) + ".0.0/16"
        # An attacker goes after one service, sometimes two.
        services = rng.choices(list(SERVICES), [w for w, _ in SERVICES.values()],
                               k=1 if rng.random() < 0.85 else 2)
        attackers.append((ip, geo, asn, prefix, services))
    aweights = zipf_weights(len(attackers), 0.8)

    reporters = []
    for i in range(a.reporters):
        host = f"{word(rng)}.{word(rng)}.{rng.choice(['com', 'net', 'org', 'de', 'fr', 'ru', 'br'])}"
        ip = f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        r = rng.random()
        if r < 0.05:
            host = None
        elif r < 0.10:
            ip = None
        geo = place() if ip else (None, None, None, None, None)
        asn = rng.choice(asns) if ip else None
        # Each server names its jails its own way.
        jails = {svc: rng.choice(names) for svc, (_, names) in SERVICES.items()}
        reporters.append((host, ip, geo, asn, jails))
    rweights = zipf_weights(len(reporters), 0.9)

    # Report times. An attacking address is active for a while (a campaign of
    # hours to months, median about three days) and reported by the servers it
    # hits meanwhile; collection outages (GAPS) leave nothing. The records come
    # in time order, as from a mailbox.
    gaps = [(datetime.fromisoformat(d).replace(tzinfo=timezone.utc), n) for d, n in GAPS]
    gaps = [((g - START).total_seconds(), (g - START).total_seconds() + n * 86400) for g, n in gaps]
    span = (END - START).total_seconds()
    campaigns = []
    for _ in attackers:
        length = min(max(rng.lognormvariate(math.log(3 * 86400), 1.6), 3600), 2 * 365 * 86400)
        campaigns.append((rng.random() * max(span - length, 1), length))

    def outside_gaps(t):
        for g0, g1 in gaps:
            if g0 <= t < g1:
                return g1 + rng.random() * 86400
        return t

    att_pick = rng.choices(range(len(attackers)), aweights, k=a.records)
    rep_pick = rng.choices(range(len(reporters)), rweights, k=a.records)
    events = []
    for n in range(a.records):
        start, length = campaigns[att_pick[n]]
        t = min(outside_gaps(start + rng.random() * length), span)
        events.append((t, att_pick[n], rep_pick[n]))
    events.sort()

    out = sys.stdout
    write = out.write
    dumps = json.dumps
    for n, (seconds, att, rep) in enumerate(events):
        t = START + timedelta(seconds=seconds)
        ip, (cc, region, city, lat, lon), asn, prefix, services = attackers[att]
        host, rip, (rcc, rregion, rcity, rlat, rlon), rasn, jails = reporters[rep]
        service = services[0] if len(services) == 1 else rng.choice(services)
        jail = jails[service]
        failures = None if rng.random() < 0.1 else rng.choice((3, 3, 3, 5, 5, 6, 10, 4, 20))
        ts = None if rng.random() < 0.001 else t.strftime("%Y-%m-%dT%H:%M:%SZ")
        rec = {
            "ts": ts, "ip": ip, "jail": jail, "service": service, "failures": failures,
            "reporter_host": host, "reporter_ip": rip,
            "msgid": f"<{rng.getrandbits(48):x}.{n}@{host or 'localhost'}>",
            "src": f"mail/bounces-{t.year}.mbox:{n * 2113}",
            "country": cc, "region": region, "city": city, "lat": lat, "lon": lon,
            "reporter_country": rcc, "reporter_region": rregion, "reporter_city": rcity,
            "reporter_lat": rlat, "reporter_lon": rlon,
            "asn": asn[0] if asn else None, "as_name": asn[1] if asn else None,
            "as_country": asn[2] if asn else None, "prefix": prefix if asn else None,
            "reporter_asn": rasn[0] if rasn else None,
            "reporter_as_name": rasn[1] if rasn else None,
            "reporter_as_country": rasn[2] if rasn else None,
        }
        write(dumps(rec, separators=(",", ":"), ensure_ascii=False))
        write("\n")


if __name__ == "__main__":
    main()
