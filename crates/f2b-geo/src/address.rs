//! Addresses as f2b-geo looks them up: parsed from a field's text, IPv4-mapped
//! IPv6 turned into IPv4, and private or reserved ranges told apart, since no
//! database can place them.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Parses the text of an address field (`61.147.12.134`, `2001:db8::1`,
/// `::ffff:61.147.12.134`). IPv4-mapped IPv6 becomes IPv4, so that it is looked
/// up where the databases keep IPv4. `None` when the text is not an address.
#[inline]
pub fn parse(text: &str) -> Option<IpAddr> {
    match dotted_quad(text.as_bytes()) {
        Some(v4) => Some(IpAddr::V4(v4)),
        None => text.parse().ok().map(unmap),
    }
}

/// The usual case, an IPv4 address in canonical form, read without the
/// general parser (which costs as much as a cache hit). Accepts only what the
/// standard parser accepts, with the same value; `None` sends anything else
/// to the standard parser.
#[inline]
fn dotted_quad(text: &[u8]) -> Option<Ipv4Addr> {
    if !(7..=15).contains(&text.len()) {
        return None;
    }
    let mut octets = [0u8; 4];
    let mut n = 0;
    let mut value: u32 = 0;
    let mut digits = 0;
    for &c in text {
        match c {
            b'0'..=b'9' => {
                // A leading zero is refused, as the standard parser does.
                if digits == 1 && value == 0 {
                    return None;
                }
                value = value * 10 + u32::from(c - b'0');
                digits += 1;
                if digits > 3 {
                    return None;
                }
            }
            b'.' if digits > 0 && value <= 255 && n < 3 => {
                octets[n] = value as u8;
                n += 1;
                value = 0;
                digits = 0;
            }
            _ => return None,
        }
    }
    if n != 3 || digits == 0 || value > 255 {
        return None;
    }
    octets[3] = value as u8;
    Some(Ipv4Addr::from(octets))
}

/// The address to place `ip` by ([`f2b_core::address::lookup_form`]):
/// IPv4-mapped IPv6 and Teredo addresses by their IPv4 address.
pub fn unmap(ip: IpAddr) -> IpAddr {
    f2b_core::address::lookup_form(ip)
}

/// IPv4 blocks that are not globally reachable (IANA special-purpose registry):
/// "this network", private, shared (CGN), loopback, link-local, IETF protocol
/// assignments, documentation, benchmarking, multicast, reserved and broadcast.
const RESERVED_V4: &[(u32, u8)] = &[
    (0x0000_0000, 8),  // 0.0.0.0/8
    (0x0a00_0000, 8),  // 10.0.0.0/8
    (0x6440_0000, 10), // 100.64.0.0/10
    (0x7f00_0000, 8),  // 127.0.0.0/8
    (0xa9fe_0000, 16), // 169.254.0.0/16
    (0xac10_0000, 12), // 172.16.0.0/12
    (0xc000_0000, 24), // 192.0.0.0/24
    (0xc000_0200, 24), // 192.0.2.0/24
    (0xc0a8_0000, 16), // 192.168.0.0/16
    (0xc612_0000, 15), // 198.18.0.0/15
    (0xc633_6400, 24), // 198.51.100.0/24
    (0xcb00_7100, 24), // 203.0.113.0/24
    (0xe000_0000, 4),  // 224.0.0.0/4
    (0xf000_0000, 4),  // 240.0.0.0/4, with 255.255.255.255
];

/// IPv6 blocks that are not globally reachable. The transition ranges that
/// embed a public IPv4 address (6to4, Teredo) are left to the databases, which
/// map them onto their IPv4 data.
const RESERVED_V6: &[(u128, u8)] = &[
    (0, 128),                     // ::/128
    (1, 128),                     // ::1/128
    (0x0064_ff9b_0001 << 80, 48), // 64:ff9b:1::/48
    (0x0100 << 112, 64),          // 100::/64
    (0x2001_0002 << 96, 48),      // 2001:2::/48
    (0x2001_0010 << 96, 28),      // 2001:10::/28
    (0x2001_0db8 << 96, 32),      // 2001:db8::/32
    (0x3fff << 112, 20),          // 3fff::/20
    (0xfc00 << 112, 7),           // fc00::/7
    (0xfe80 << 112, 10),          // fe80::/10
    (0xfec0 << 112, 10),          // fec0::/10
    (0xff00 << 112, 8),           // ff00::/8
];

/// True for private and reserved addresses: no database can place them, so
/// they resolve to null and are counted apart.
pub fn is_reserved(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_reserved_v4(v4),
        IpAddr::V6(v6) => is_reserved_v6(v6),
    }
}

/// The first octets of [`RESERVED_V4`] blocks, a bit each: most public
/// addresses are told apart by this alone.
const RESERVED_FIRST_OCTETS: [u64; 4] = first_octets();

const fn first_octets() -> [u64; 4] {
    let mut bits = [0u64; 4];
    let mut i = 0;
    while i < RESERVED_V4.len() {
        let (net, len) = RESERVED_V4[i];
        let first = (net >> 24) as usize;
        // A block shorter than /8 covers several first octets.
        let count = if len >= 8 { 1 } else { 1 << (8 - len) };
        let mut j = 0;
        while j < count {
            bits[(first + j) / 64] |= 1 << ((first + j) % 64);
            j += 1;
        }
        i += 1;
    }
    bits
}

fn is_reserved_v4(ip: Ipv4Addr) -> bool {
    let first = usize::from(ip.octets()[0]);
    if RESERVED_FIRST_OCTETS[first / 64] & (1 << (first % 64)) == 0 {
        return false;
    }
    let bits = u32::from(ip);
    RESERVED_V4
        .iter()
        .any(|&(net, len)| bits & (u32::MAX << (32 - len)) == net)
}

fn is_reserved_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_reserved_v4(v4);
    }
    let bits = u128::from(ip);
    RESERVED_V6
        .iter()
        .any(|&(net, len)| bits & (u128::MAX << (128 - u32::from(len))) == net)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reserved(text: &str) -> bool {
        is_reserved(parse(text).unwrap())
    }

    #[test]
    fn ipv4_mapped_ipv6_is_looked_up_as_ipv4() {
        assert_eq!(
            parse("::ffff:61.147.12.134"),
            Some(IpAddr::V4(Ipv4Addr::new(61, 147, 12, 134)))
        );
        assert_eq!(
            parse("2001:4860::8888"),
            Some("2001:4860::8888".parse().unwrap())
        );
        assert_eq!(parse("61.147.12"), None);
        assert_eq!(parse(" 61.147.12.134"), None);
        assert_eq!(parse(""), None);
    }

    #[test]
    fn dotted_quads_read_like_the_standard_parser() {
        for text in [
            "0.0.0.0",
            "1.2.3.4",
            "255.255.255.255",
            "256.1.1.1",
            "01.2.3.4",
            "1.2.3.04",
            "000.1.1.1",
            "1.2.3",
            "1.2.3.4.5",
            "1..2.3",
            "1.2.3.",
            ".1.2.3",
            "1.2.3.4 ",
            "1.2.3.2555",
            "99.99.99.99",
            "10.0.0.00",
        ] {
            assert_eq!(
                dotted_quad(text.as_bytes()),
                text.parse::<Ipv4Addr>().ok(),
                "{text:?}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn any_text_reads_like_the_standard_parser(text in "[0-9.]{0,17}|[0-9a-f:.]{0,20}") {
            proptest::prop_assert_eq!(dotted_quad(text.as_bytes()), text.parse::<Ipv4Addr>().ok());
            proptest::prop_assert_eq!(parse(&text), text.parse::<IpAddr>().ok().map(unmap));
        }
    }

    #[test]
    fn private_and_reserved_ranges_are_recognised() {
        for text in [
            "0.1.2.3",
            "10.0.0.1",
            "100.64.0.1",
            "100.127.255.255",
            "127.0.0.1",
            "169.254.1.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "192.168.1.1",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.2",
            "203.0.113.7",
            "224.0.0.1",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "::ffff:10.0.0.1",
            "64:ff9b:1::1",
            "100::1",
            "2001:2::1",
            "2001:db8::1",
            "3fff::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
        ] {
            assert!(reserved(text), "{text} should be reserved");
        }
    }

    #[test]
    fn public_addresses_are_left_to_the_databases() {
        for text in [
            "1.1.1.1",
            "61.147.12.134",
            "100.63.255.255",
            "100.128.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.0.1.1",
            "198.17.255.255",
            "198.20.0.0",
            "223.255.255.255",
            "2001:4860::8888",
            "2002:3d93:c86::1",
            "2a00:1450::1",
            "64:ff9b::808:808",
        ] {
            assert!(!reserved(text), "{text} should be public");
        }
    }
}
