#!/usr/bin/env python3
"""Writes N records with awkward addresses, to compare f2b-geo with the
official reader (bench/compare.py) where the answers are easy to get wrong.

    bench/gen-edge.py [N] [--seed S] > edge.ndjson

`ip`: 60 % uniform random IPv4 (private and reserved ones included), 10 %
IPv4-mapped IPv6, 5 % 6to4 (2002::/16), 5 % Teredo (2001::/32), 17 % random
addresses in large RIR IPv6 blocks, 3 % uniform random IPv6. `reporter_ip`:
null, not an address, private IPv4, link-local IPv6 or random IPv4.
Standard library only; the same output for the same N and seed.
"""

import argparse
import ipaddress
import json
import random
import sys

RIR_V6 = [0x2001, 0x2400, 0x2600, 0x2800, 0x2A00, 0x2C00, 0x2A01, 0x2A02, 0x2604, 0x2607]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", nargs="?", type=int, default=300_000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    v4 = lambda: str(ipaddress.IPv4Address(rng.getrandbits(32)))  # noqa: E731
    for _ in range(args.n):
        k = rng.random()
        if k < 0.6:
            ip = v4()
        elif k < 0.7:
            ip = "::ffff:" + v4()
        elif k < 0.75:
            ip = str(ipaddress.IPv6Address((0x2002 << 112) | rng.getrandbits(112)))
        elif k < 0.8:
            ip = str(ipaddress.IPv6Address((0x20010000 << 96) | rng.getrandbits(96)))
        elif k < 0.97:
            ip = str(ipaddress.IPv6Address((rng.choice(RIR_V6) << 112) | rng.getrandbits(112)))
        else:
            ip = str(ipaddress.IPv6Address(rng.getrandbits(128)))
        reporter = rng.choice([None, "not-an-ip", "10.0.0.1", "fe80::1", v4()])
        sys.stdout.write(json.dumps({"ip": ip, "reporter_ip": reporter}) + "\n")


if __name__ == "__main__":
    main()
