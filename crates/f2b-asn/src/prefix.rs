//! Addresses and route prefixes: fast parsing from bytes, validation, display.

use std::fmt::{self, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::{Serialize, Serializer};

/// A route prefix: a network address with no host bits set, and its length.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Prefix {
    addr: IpAddr,
    len: u8,
}

impl Prefix {
    /// The prefix `addr/len`. Fails when `len` is longer than the address or
    /// `addr` has bits set beyond `len` (a table entry must be a network).
    pub fn new(addr: IpAddr, len: u8) -> Result<Prefix, String> {
        let max = max_len(addr);
        if len > max {
            return Err(format!("prefix length {len} is longer than {max}"));
        }
        if mask(addr, len) != addr {
            return Err(format!("{addr}/{len} has host bits set"));
        }
        Ok(Prefix { addr, len })
    }

    /// The prefix of length `len` that contains `addr` (host bits cleared);
    /// `len` is clamped to the address length.
    pub fn containing(addr: IpAddr, len: u8) -> Prefix {
        let len = len.min(max_len(addr));
        Prefix {
            addr: mask(addr, len),
            len,
        }
    }

    /// The network address.
    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    /// The prefix length in bits.
    pub fn prefix_len(&self) -> u8 {
        self.len
    }

    /// True for the zero-length prefix (`0.0.0.0/0` or `::/0`).
    pub fn is_default(&self) -> bool {
        self.len == 0
    }

    /// True when `ip` (of the same family) lies inside this prefix.
    pub fn contains(&self, ip: IpAddr) -> bool {
        max_len(ip) == max_len(self.addr) && mask(ip, self.len) == self.addr
    }
}

impl Prefix {
    /// Appends the prefix as text (`a.b.c.d/n`, `x:y::/n`); IPv4 without the
    /// formatting machinery, since this runs for every new address of a run.
    pub fn push_text(&self, out: &mut String) {
        match self.addr {
            IpAddr::V4(a) => {
                f2b_core::output::push_ipv4(out, a);
                out.push('/');
                if self.len >= 10 {
                    out.push(char::from(b'0' + self.len / 10));
                }
                out.push(char::from(b'0' + self.len % 10));
            }
            // Writing into a String cannot fail.
            IpAddr::V6(a) => drop(write!(out, "{a}/{}", self.len)),
        }
    }
}

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = String::with_capacity(43);
        self.push_text(&mut text);
        f.write_str(&text)
    }
}

impl Serialize for Prefix {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// 32 for IPv4, 128 for IPv6.
pub fn max_len(addr: IpAddr) -> u8 {
    match addr {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

/// `addr` with every bit beyond the first `len` cleared.
pub fn mask(addr: IpAddr, len: u8) -> IpAddr {
    match addr {
        IpAddr::V4(a) => {
            let bits = a.to_bits();
            let m = u32::MAX
                .checked_shl(32 - u32::from(len.min(32)))
                .unwrap_or(0);
            IpAddr::V4(Ipv4Addr::from_bits(bits & m))
        }
        IpAddr::V6(a) => {
            let bits = a.to_bits();
            let m = u128::MAX
                .checked_shl(128 - u32::from(len.min(128)))
                .unwrap_or(0);
            IpAddr::V6(Ipv6Addr::from_bits(bits & m))
        }
    }
}

/// Parses a dotted-quad IPv4 address from bytes without allocating.
///
/// Strict like the standard library: four decimal octets of at most three
/// digits, each ≤ 255, no leading zeros, nothing else.
pub fn parse_ipv4(bytes: &[u8]) -> Option<Ipv4Addr> {
    // One pass, byte by byte: this runs twice per record.
    let mut octets = [0u8; 4];
    let (mut n, mut value, mut digits) = (0, 0u32, 0);
    for &b in bytes {
        match b {
            b'0'..=b'9' => {
                // A fourth digit, or a digit after a leading zero.
                if digits == 3 || (digits == 1 && value == 0) {
                    return None;
                }
                value = value * 10 + u32::from(b - b'0');
                digits += 1;
            }
            b'.' if digits > 0 && n < 3 => {
                *octets.get_mut(n)? = u8::try_from(value).ok()?;
                (n, value, digits) = (n + 1, 0, 0);
            }
            _ => return None,
        }
    }
    if n != 3 || digits == 0 {
        return None;
    }
    octets[3] = u8::try_from(value).ok()?;
    Some(Ipv4Addr::from(octets))
}

/// Parses an IPv4 or IPv6 address from bytes. IPv6 goes through the standard
/// parser (no allocation either).
pub fn parse_ip(bytes: &[u8]) -> Option<IpAddr> {
    if let Some(v4) = parse_ipv4(bytes) {
        return Some(IpAddr::V4(v4));
    }
    let text = std::str::from_utf8(bytes).ok()?;
    text.parse::<Ipv6Addr>().ok().map(IpAddr::V6)
}

/// The address as it is looked up ([`f2b_core::address::lookup_form`]):
/// IPv4-mapped IPv6 and Teredo addresses by their IPv4 address, as f2b-geo
/// places them: the attacker's network, not the Teredo relay's.
pub fn canonical(ip: IpAddr) -> IpAddr {
    f2b_core::address::lookup_form(ip)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn ipv4_parser_agrees_with_std_on_digits_and_dots(
            text in proptest::prop_oneof!["[0-9.]{0,17}", "([0-9]{1,4}[.]){3}[0-9]{1,4}"],
        ) {
            proptest::prop_assert_eq!(parse_ipv4(text.as_bytes()), text.parse::<Ipv4Addr>().ok());
        }
    }

    #[test]
    fn ipv4_parser_agrees_with_std_on_tricky_inputs() {
        for text in [
            "1.2.3.4",
            "0.0.0.0",
            "255.255.255.255",
            "256.1.1.1",
            "01.2.3.4",
            "1.2.3",
            "1.2.3.4.",
            "1..3.4",
            "1.2.3.4 ",
            "1.2.3.1000",
            "",
            "a.b.c.d",
            "1.2.3.-4",
            "1.2.3.0004",
            "1.2.3.04",
            "1.2.3.0",
            "10.20.30.40",
            "1.2.3.255",
            "1.2.3.256",
            "999.2.3.4",
            ".1.2.3",
            "1.2.3.4.5",
            "::ffff:1.2.3.4",
            "1.2.3.4/24",
        ] {
            assert_eq!(
                parse_ipv4(text.as_bytes()),
                text.parse::<Ipv4Addr>().ok(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn prefixes_reject_host_bits_and_overlong_lengths() {
        let a = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(Prefix::new(a("10.0.0.0"), 8).is_ok());
        assert!(Prefix::new(a("10.0.0.1"), 8).is_err());
        assert!(Prefix::new(a("10.0.0.0"), 33).is_err());
        assert!(Prefix::new(a("::"), 0).is_ok());
        assert!(Prefix::new(a("2001:db8::"), 129).is_err());
        assert_eq!(
            Prefix::new(a("2001:db8::"), 32).unwrap().to_string(),
            "2001:db8::/32"
        );
        assert_eq!(
            Prefix::containing(a("192.0.2.77"), 24).to_string(),
            "192.0.2.0/24"
        );
        assert_eq!(
            Prefix::new(a("255.100.10.0"), 23).unwrap().to_string(),
            "255.100.10.0/23"
        );
        assert_eq!(
            Prefix::new(a("0.0.0.0"), 0).unwrap().to_string(),
            "0.0.0.0/0"
        );
        assert_eq!(
            Prefix::new(a("1.2.3.4"), 32).unwrap().to_string(),
            "1.2.3.4/32"
        );
        assert!(Prefix::containing(a("192.0.2.77"), 24).contains(a("192.0.2.1")));
        assert!(!Prefix::containing(a("192.0.2.77"), 24).contains(a("::1")));
    }

    #[test]
    fn mapped_ipv6_becomes_ipv4() {
        let ip: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        assert_eq!(canonical(ip), "192.0.2.1".parse::<IpAddr>().unwrap());
        let v6: IpAddr = "2001:db8::1".parse().unwrap();
        assert_eq!(canonical(v6), v6);
    }
}
