//! The range-file loader (`start,end,asn,name` CSV and iptoasn TSV) on
//! arbitrary bytes: every row a route, a "not routed" row or a counted
//! problem; ranges decompose into blocks that answer lookups consistently.
#![no_main]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use f2b_asn::as_names::AsNames;
use f2b_asn::routes::Prefix2As;
use f2b_asn::ranges;
use f2b_core::input::Input;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = Input::from_reader("fuzz".into(), std::io::Cursor::new(data.to_vec())) else {
        return;
    };
    let mut table = Prefix2As::new();
    let mut names = AsNames::new();
    let mut problems = 0u64;
    let Ok(stats) = ranges::load(input, &mut table, &mut names, &mut |_| {
        problems += 1;
        Ok(())
    }) else {
        return;
    };
    assert_eq!(stats.malformed, problems, "every malformed row reported");
    assert!(
        stats.blocks >= stats.ranges,
        "each range gives at least one block"
    );
    for ip in [
        IpAddr::V4(Ipv4Addr::new(1, 2, 3, 4)),
        IpAddr::V4(Ipv4Addr::BROADCAST),
        IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1)),
    ] {
        if let Some(m) = table.lookup(ip) {
            assert!(m.prefix.contains(ip));
        }
    }
});
