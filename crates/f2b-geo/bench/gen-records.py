#!/usr/bin/env python3
"""Writes N synthetic f2b records (NDJSON) for benchmarking f2b-geo.

    bench/gen-records.py [N] [--seed S] > records.ndjson

Attackers and reporters repeat as they do in real ban reports: attackers are
drawn from a pool of 200,000 addresses and reporters from a pool of 3,000, both
Zipf-distributed (s = 1: the n-th most active address appears about 1/n as
often as the first), the usual model of attack sources, where a few scanners
and botnet nodes account for much of the traffic and most addresses appear
once or twice. For 1,000,000 records that gives about 125,000 distinct
attackers. About 5 % of the attackers are IPv6, 0.5 % of the records have a
private attacker address, and 5 % have no reporter_ip. Standard library only;
the output is the same for the same N and seed.
"""

import argparse
import bisect
import itertools
import ipaddress
import json
import random
import sys
import time

RESERVED = [ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
    "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15",
    "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4")]

# Large IPv6 allocations of the five RIRs, where attackers' addresses come from.
V6_BLOCKS = [ipaddress.ip_network(n) for n in (
    "2001:200::/23", "2001:4000::/23", "2400::/12", "2600::/12", "2800::/12",
    "2a00::/12", "2c00::/12")]

JAILS = [("SSH", "ssh"), ("ssh-iptables", "ssh"), ("sasl", "smtp"), ("postfix", "smtp"),
         ("dovecot", "imap-pop"), ("apache-auth", "web"), ("proftpd", "ftp"),
         ("recidive", "recidive"), ("asterisk", "voip"), ("named-refused", "dns")]


def public_v4(rng):
    while True:
        ip = ipaddress.IPv4Address(rng.getrandbits(32))
        if not any(ip in n for n in RESERVED):
            return str(ip)


def public_v6(rng):
    block = rng.choice(V6_BLOCKS)
    offset = rng.getrandbits(128 - block.prefixlen)
    return str(ipaddress.IPv6Address(int(block.network_address) + offset))


class Zipf:
    """Indexes in [0, size), index i with probability proportional to 1/(i+1)."""

    def __init__(self, size):
        self.cumulative = list(itertools.accumulate(1 / (i + 1) for i in range(size)))

    def draw(self, rng):
        x = rng.random() * self.cumulative[-1]
        return min(bisect.bisect_left(self.cumulative, x), len(self.cumulative) - 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", nargs="?", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=2011)
    args = ap.parse_args()
    rng = random.Random(args.seed)

    attackers = [public_v6(rng) if rng.random() < 0.05 else public_v4(rng)
                 for _ in range(200_000)]
    reporters = [public_v4(rng) for _ in range(3_000)]
    hosts = [f"mx{i}.example{i % 97}.org" for i in range(len(reporters))]
    attacker_rank, reporter_rank = Zipf(len(attackers)), Zipf(len(reporters))

    out = sys.stdout
    ts = 1_309_775_698  # 2011-07-04T10:34:58Z
    for i in range(args.n):
        ts += rng.randrange(0, 60)
        r = reporter_rank.draw(rng)
        if rng.random() < 0.005:
            ip = f"192.168.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        else:
            ip = attackers[attacker_rank.draw(rng)]
        jail, service = rng.choice(JAILS)
        record = {
            "ts": ts_text(ts),
            "ip": ip,
            "jail": jail,
            "service": service,
            "failures": rng.randrange(3, 12),
            "reporter_host": hosts[r],
            "reporter_ip": None if rng.random() < 0.05 else reporters[r],
            "msgid": f"<{ts}.{i}@{hosts[r]}>",
            "src": f"archive/{ts // 2_592_000}.mbox:{i * 2917}",
        }
        out.write(json.dumps(record, separators=(",", ":")))
        out.write("\n")


def ts_text(ts):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


if __name__ == "__main__":
    main()
