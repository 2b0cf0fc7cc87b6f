#!/usr/bin/env python3
"""Writes N synthetic f2b records (NDJSON) for benchmarking f2b-asn.

    gen-records.py N [--v6-table routeviews6-prefix2as.txt] [--seed S] > records.ndjson

Attackers: random public IPv4 addresses (private, loopback, multicast and
reserved space excluded), about 5 % IPv6 (inside prefixes of --v6-table when
given, else inside 2001:200::/23 and 2a00::/12), repeated with a heavy-tailed
(Zipf-like) distribution over a pool of N/5 distinct attackers, as real ban
logs are. Reporters: 40 servers, a few of them without reporter_ip.
Timestamps increase from 2008 to 2012. Deterministic for a given seed.
"""
import argparse
import ipaddress
import json
import random
import sys

EXCLUDED_V4 = [ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
    "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16",
    "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/3")]
JAILS = [("SSH", "ssh"), ("ssh-iptables", "ssh"), ("sasl", "smtp"),
         ("apache-auth", "web"), ("proftpd", "ftp"), ("dovecot", "imap-pop"),
         ("asterisk", "voip"), ("recidive", "recidive")]


def public_v4(rng):
    while True:
        a = ipaddress.IPv4Address(rng.getrandbits(32))
        if not any(a in n for n in EXCLUDED_V4):
            return str(a)


def v6_in(rng, nets):
    net = rng.choice(nets)
    host = rng.getrandbits(128 - net.prefixlen) if net.prefixlen < 128 else 0
    return str(ipaddress.IPv6Address(int(net.network_address) | host))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("n", type=int)
    p.add_argument("--v6-table")
    p.add_argument("--seed", type=int, default=20110704)
    args = p.parse_args()
    rng = random.Random(args.seed)
    if args.v6_table:
        with open(args.v6_table) as f:
            rows = [line.split("\t") for line in f if line.strip()]
        v6_nets = [ipaddress.ip_network(f"{r[0]}/{r[1]}") for r in rng.sample(rows, 2000)]
    else:
        v6_nets = [ipaddress.ip_network("2001:200::/23"), ipaddress.ip_network("2a00::/12")]
    pool = [v6_in(rng, v6_nets) if rng.random() < 0.05 else public_v4(rng)
            for _ in range(max(1, args.n // 5))]
    reporters = []
    for i in range(40):
        ip = public_v4(rng) if i % 10 else None
        reporters.append((f"mx{i}.example{i % 7}.org", ip))
    t0 = 1199145600  # 2008-01-01
    span = 5 * 365 * 86400
    out = sys.stdout
    for i in range(args.n):
        # Heavy-tailed: a few attackers account for many reports.
        ip = pool[int(len(pool) * rng.random() ** 3)]
        host, rip = reporters[int(rng.triangular(0, 40, 0))]
        jail, service = rng.choice(JAILS)
        ts = t0 + span * i // args.n + rng.randrange(60)
        rec = {
            "ts": _rfc3339(ts), "ip": ip, "jail": jail, "service": service,
            "failures": rng.choice([3, 5, 6, 6, 10, None]),
            "reporter_host": host, "reporter_ip": rip,
            "msgid": f"<{rng.getrandbits(48):012x}@{host}>",
            "src": f"bounces/{1 + i // 50000}.mbox:{i * 3137}",
        }
        out.write(json.dumps(rec, separators=(",", ":")) + "\n")


def _rfc3339(t):
    import time
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


if __name__ == "__main__":
    main()
