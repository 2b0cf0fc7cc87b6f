//! The tree-bitmap table agrees with a plain linear-scan longest-prefix match
//! on random small tables and random addresses, IPv4 and IPv6.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use f2b_asn::prefix::{mask, Prefix};
use f2b_asn::routes::Prefix2As;
use proptest::prelude::*;

/// The reference: every route in a list, the longest containing one wins;
/// a prefix listed again adds its new origins after the known ones.
#[derive(Default)]
struct LinearScan(Vec<(Prefix, Vec<u32>)>);

impl LinearScan {
    fn insert(&mut self, prefix: Prefix, origins: &[u32]) {
        match self.0.iter_mut().find(|(p, _)| *p == prefix) {
            Some((_, known)) => {
                for asn in origins {
                    if !known.contains(asn) {
                        known.push(*asn);
                    }
                }
            }
            None => self.0.push((prefix, origins.to_vec())),
        }
    }

    fn lookup(&self, ip: IpAddr) -> Option<(Prefix, Vec<u32>)> {
        self.0
            .iter()
            .filter(|(p, _)| p.contains(ip))
            .max_by_key(|(p, _)| p.prefix_len())
            .map(|(p, o)| (*p, o.clone()))
    }
}

/// Addresses near a few seeds, so that prefixes nest and addresses hit them.
fn near(seeds: &[u128], pick: usize, noise: u128, noise_bits: u32) -> u128 {
    let keep = u128::MAX.checked_shl(noise_bits).unwrap_or(0);
    (seeds[pick % seeds.len()] & keep) | (noise & !keep)
}

fn v4(bits: u128) -> IpAddr {
    IpAddr::V4(Ipv4Addr::from_bits(bits as u32))
}

fn v6(bits: u128) -> IpAddr {
    IpAddr::V6(Ipv6Addr::from_bits(bits))
}

type Route = (usize, u128, u32, u8, Vec<u32>);
type Probe = (usize, u128, u32);

fn check(
    family: fn(u128) -> IpAddr,
    width: u32,
    seeds: &[u128],
    routes: &[Route],
    probes: &[Probe],
) -> Result<(), TestCaseError> {
    let mut table = Prefix2As::new();
    let mut reference = LinearScan::default();
    for (pick, noise, noise_bits, len, origins) in routes {
        let addr = family(near(seeds, *pick, *noise, *noise_bits % (width + 1)));
        let len = *len % (width as u8 + 1);
        let prefix = Prefix::new(mask(addr, len), len).expect("masked");
        table.insert(prefix, origins);
        reference.insert(prefix, origins);
    }
    for (pick, noise, noise_bits) in probes {
        let ip = family(near(seeds, *pick, *noise, *noise_bits % (width + 1)));
        let got = table.lookup(ip).map(|m| (m.prefix, m.origins.to_vec()));
        prop_assert_eq!(got, reference.lookup(ip), "address {}", ip);
    }
    Ok(())
}

fn routes() -> impl Strategy<Value = Vec<Route>> {
    prop::collection::vec(
        (
            0usize..4,
            any::<u128>(),
            0u32..129,
            any::<u8>(),
            prop::collection::vec(1u32..8, 1..4),
        ),
        0..40,
    )
}

fn probes() -> impl Strategy<Value = Vec<Probe>> {
    prop::collection::vec((0usize..4, any::<u128>(), 0u32..129), 1..60)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn ipv4_lookups_match_a_linear_scan(
        seeds in prop::collection::vec(any::<u128>(), 4),
        routes in routes(),
        probes in probes(),
    ) {
        check(v4, 32, &seeds, &routes, &probes)?;
    }

    #[test]
    fn ipv6_lookups_match_a_linear_scan(
        seeds in prop::collection::vec(any::<u128>(), 4),
        routes in routes(),
        probes in probes(),
    ) {
        check(v6, 128, &seeds, &routes, &probes)?;
    }
}
