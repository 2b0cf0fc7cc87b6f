//! The Route Views prefix2as loader (plain or gzip) on arbitrary bytes: every
//! row is a route or a counted problem, and a lookup only ever answers a
//! route that contains the address.
#![no_main]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use f2b_asn::routes::Prefix2As;
use f2b_core::input::Input;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = Input::from_reader("fuzz".into(), std::io::Cursor::new(data.to_vec())) else {
        return;
    };
    let mut table = Prefix2As::new();
    let mut problems = 0u64;
    let Ok(stats) = table.load(input, None, &mut |_| {
        problems += 1;
        Ok(())
    }) else {
        return;
    };
    assert_eq!(stats.malformed, problems, "every malformed row reported");
    let lines = data.split(|&b| b == b'\n').count() as u64;
    assert!(
        stats.v4_rows + stats.v6_rows + stats.malformed <= lines || data.starts_with(&[0x1f, 0x8b])
    );
    let probes = [
        IpAddr::V4(Ipv4Addr::new(1, 2, 3, 4)),
        IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
        IpAddr::V4(Ipv4Addr::new(255, 255, 255, 255)),
        IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1)),
        IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    ];
    for ip in probes {
        if let Some(m) = table.lookup(ip) {
            assert!(!m.origins.is_empty());
            assert!(
                m.prefix.contains(ip),
                "{:?} does not contain {ip}",
                m.prefix
            );
        }
    }
});
