//! Addresses and host names as they appear in mail.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Parses an address token as Fail2Ban or an MTA writes it (`203.0.113.7`,
/// `2001:db8::1`, `IPv6:2001:db8::1`, `::ffff:203.0.113.7`, with brackets or
/// trailing punctuation) and canonicalises it: IPv4-mapped IPv6 becomes IPv4.
pub fn parse_ip(token: &str) -> Option<IpAddr> {
    // The punctuation is ASCII: trimming its bytes trims the same characters.
    let punctuation = |b: &u8| matches!(b, b'[' | b']' | b'(' | b')' | b'<' | b'>' | b',' | b';');
    let bytes = token.as_bytes();
    let start = bytes
        .iter()
        .position(|b| !punctuation(b))
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !punctuation(b))
        .map_or(start, |e| e + 1);
    let t = &token[start..end];
    let t = t.strip_suffix('.').unwrap_or(t);
    let t = t
        .strip_prefix("IPv6:")
        .or_else(|| t.strip_prefix("ipv6:"))
        .unwrap_or(t);
    // A zone index (fe80::1%eth0) is local by nature; drop it.
    let t = t
        .as_bytes()
        .iter()
        .position(|&b| b == b'%')
        .map_or(t, |i| &t[..i]);
    let ip: IpAddr = match t.parse() {
        Ok(ip) => ip,
        Err(_) => with_port(t)?,
    };
    Some(canonical(ip))
}

/// An address followed by a port or a colon, where that is unambiguous:
/// `203.0.113.7:2222`, `203.0.113.7:` (a subject's `banned IP: 6
/// failures`), `[2001:db8::7]:22` (the brackets of the start already
/// trimmed). An IPv6 address without brackets never has a port.
fn with_port(t: &str) -> Option<IpAddr> {
    let (addr, port) = t.split_once("]:").or_else(|| {
        let (a, p) = t.rsplit_once(':')?;
        a.parse::<Ipv4Addr>().is_ok().then_some((a, p))
    })?;
    if !port.bytes().all(|b| b.is_ascii_digit()) || port.parse::<u16>().is_err() && !port.is_empty()
    {
        return None;
    }
    addr.parse().ok()
}

/// An address as text, as `Display` writes it (IPv4 without the formatting
/// machinery: a record has one or two).
pub fn ip_text(ip: IpAddr) -> String {
    let IpAddr::V4(v4) = ip else {
        return ip.to_string();
    };
    let mut text = String::with_capacity(15);
    f2b_core::output::push_ipv4(&mut text, v4);
    text
}

/// IPv4-mapped IPv6 (`::ffff:a.b.c.d`) as IPv4; everything else unchanged.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
    }
}

/// Where an address can be seen from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Globally reachable.
    Public,
    /// A local network: RFC 1918, unique-local, site-local (deprecated),
    /// link-local, shared (CGN).
    Private,
    /// Loopback, unspecified, documentation, benchmarking, multicast and
    /// other reserved ranges: never a real hop between two machines.
    Reserved,
}

/// The scope of an address.
pub fn scope(ip: IpAddr) -> Scope {
    if is_public(ip) {
        return Scope::Public;
    }
    let private = match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_private() || v4.is_link_local() || (a == 100 && (64..128).contains(&b))
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80 || (first & 0xffc0) == 0xfec0
        }
    };
    if private {
        Scope::Private
    } else {
        Scope::Reserved
    }
}

/// True for addresses that can name a server on the Internet: not private,
/// loopback, link-local, shared (CGN), unspecified, broadcast, multicast, nor
/// any other special-purpose range that RFC 6890 marks as not globally
/// reachable (documentation, benchmarking, IETF protocol assignments).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || a == 0
        || a >= 240
        || (a == 100 && (64..128).contains(&b))
        || (a == 198 && (18..20).contains(&b))
        || ip.is_documentation()
        || matches!(ip.octets(), [192, 0, 0, _]))
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        || (first & 0xffc0) == 0xfec0
        // IETF protocol assignments (benchmarking, Teredo, ORCHID...) and
        // documentation.
        || (first == 0x2001 && ip.segments()[1] < 0x0200)
        || (first == 0x2001 && ip.segments()[1] == 0x0db8)
        || ip.to_ipv4().is_some())
}

/// The first address in `text`, scanning tokens separated by white space and
/// the punctuation around addresses in prose.
pub fn first_ip(text: &str) -> Option<IpAddr> {
    ip_tokens(text).next()
}

/// Every address in `text`, in order.
pub fn ip_tokens(text: &str) -> impl Iterator<Item = IpAddr> + '_ {
    Words { text, at: 0 }
        .filter(|t| t.len() >= 3 && t.bytes().any(|b| b == b'.' || b == b':'))
        .filter_map(parse_ip)
}

/// The non-empty words of prose between white space, any other non-ASCII
/// character (an address is ASCII: typographic quotes “…” and «…», or the
/// replacement character of an undecodable byte, end it as well) and the
/// ASCII punctuation around addresses: `( ) < > " ' ,`.
struct Words<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Iterator for Words<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        // Bytes are told apart by a table: word, ASCII separator, or the
        // start of a non-ASCII character (a separator of its own length).
        const WORD: u8 = 0;
        const SEPARATOR: u8 = 1;
        const CLASS: [u8; 256] = {
            let mut table = [2u8; 256];
            let mut b = 0;
            while b < 128 {
                let separates = (b as u8 as char).is_whitespace()
                    || matches!(b as u8, b'(' | b')' | b'<' | b'>' | b'"' | b'\'' | b',');
                table[b] = if separates { SEPARATOR } else { WORD };
                b += 1;
            }
            table
        };
        let bytes = self.text.as_bytes();
        loop {
            let start = self.at;
            let mut end = start;
            let separator = loop {
                let Some(&b) = bytes.get(end) else {
                    break 0;
                };
                match CLASS[usize::from(b)] {
                    WORD => end += 1,
                    SEPARATOR => break 1,
                    _ => break self.text[end..].chars().next()?.len_utf8(),
                }
            };
            self.at = end + separator;
            if end > start {
                return Some(&self.text[start..end]);
            }
            if separator == 0 {
                return None;
            }
        }
    }
}

/// Lower-cases a host name and checks it is one: labels of letters, digits,
/// `-` and `_` separated by dots, no IP literal. Returns `None` otherwise.
pub fn host_name(text: &str) -> Option<String> {
    let t = text
        .trim()
        .trim_end_matches('.')
        .trim_matches(|c| matches!(c, '<' | '>' | '[' | ']'));
    // Only hex digits, dots and colons can make an address.
    let maybe_ip = t
        .bytes()
        .all(|b| b.is_ascii_hexdigit() || b == b'.' || b == b':');
    if t.is_empty() || t.len() > 253 || (maybe_ip && t.parse::<IpAddr>().is_ok()) {
        return None;
    }
    // Labels of 1 to 63 allowed bytes; at least one letter somewhere
    // ("12345" is a queue id, not a host).
    let (mut label, mut letter) = (0usize, false);
    for b in t.bytes() {
        if b == b'.' {
            if label == 0 {
                return None;
            }
            label = 0;
        } else if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
            label += 1;
            letter |= b.is_ascii_alphabetic();
            if label > 63 {
                return None;
            }
        } else {
            return None;
        }
    }
    (label > 0 && letter).then(|| t.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_canonical() {
        let s = |t| parse_ip(t).map(|ip| ip.to_string());
        assert_eq!(s("203.0.113.7").unwrap(), "203.0.113.7");
        assert_eq!(s("::ffff:203.0.113.7").unwrap(), "203.0.113.7");
        assert_eq!(s("2001:DB8:0:0:0:0:0:1").unwrap(), "2001:db8::1");
        assert_eq!(s("[IPv6:2001:db8::1]").unwrap(), "2001:db8::1");
        assert_eq!(s("(203.0.113.7)").unwrap(), "203.0.113.7");
        assert_eq!(s("203.0.113.7.").unwrap(), "203.0.113.7");
        assert_eq!(s("2001:db8:0:0:1:0:0:1").unwrap(), "2001:db8::1:0:0:1");
        assert_eq!(s("203.0.113"), None);
        assert_eq!(s("12:34:56"), None);
        assert_eq!(s("999.1.1.1"), None);
        // A port or a colon after an address, where that is unambiguous.
        assert_eq!(s("203.0.113.7:2222").unwrap(), "203.0.113.7");
        assert_eq!(s("203.0.113.7:").unwrap(), "203.0.113.7");
        assert_eq!(s("[2001:db8::7]:22").unwrap(), "2001:db8::7");
        assert_eq!(s("2001:db8::7:"), None);
        assert_eq!(s("203.0.113.7:22a"), None);
        assert_eq!(s("203.0.113.7:99999"), None);
        assert_eq!(s("203.0.113:22"), None);
    }

    #[test]
    fn address_text_is_display() {
        for a in [0u8, 1, 9, 10, 99, 100, 199, 255] {
            for b in [0u8, 7, 42, 250] {
                let ip = IpAddr::V4(Ipv4Addr::new(a, b, 255 - b, a ^ b));
                assert_eq!(ip_text(ip), ip.to_string());
            }
        }
        let v6: IpAddr = "2001:db8::1".parse().unwrap();
        assert_eq!(ip_text(v6), "2001:db8::1");
    }

    #[test]
    fn public_addresses() {
        let p = |t: &str| is_public(t.parse().unwrap());
        assert!(p("78.31.16.119"));
        assert!(p("2a01:4f8::1"));
        for private in [
            "198.51.100.2",
            "203.0.113.9",
            "192.0.2.1",
            "2001:db8::1",
            "10.1.2.3",
            "192.168.1.1",
            "172.16.0.1",
            "127.0.0.1",
            "169.254.1.1",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00::1",
            "224.0.0.1",
        ] {
            assert!(!p(private), "{private}");
        }
    }

    #[test]
    fn scopes() {
        let s = |t: &str| scope(t.parse().unwrap());
        assert_eq!(s("85.214.12.34"), Scope::Public);
        assert_eq!(s("192.168.1.10"), Scope::Private);
        assert_eq!(s("fd00::5"), Scope::Private);
        assert_eq!(s("127.0.0.1"), Scope::Reserved);
        assert_eq!(s("203.0.113.9"), Scope::Reserved);
        // Deprecated site-local IPv6 is a LAN's; the IETF protocol
        // assignments (benchmarking 2001:2::/48, Teredo...) are reserved.
        assert_eq!(s("fec0::5"), Scope::Private);
        assert_eq!(s("2001:2::25"), Scope::Reserved);
        assert_eq!(s("2001:4860::8888"), Scope::Public);
        assert_eq!(s("2a01:4f8::1"), Scope::Public);
    }

    #[test]
    fn host_names() {
        assert_eq!(host_name("Web1.Example.ORG.").unwrap(), "web1.example.org");
        assert_eq!(host_name("server1").unwrap(), "server1");
        assert_eq!(host_name("192.0.2.1"), None);
        assert_eq!(host_name("uid"), Some("uid".into()));
        assert_eq!(host_name("a b"), None);
        assert_eq!(host_name("12345"), None);
    }

    #[test]
    fn scanning_prose_for_addresses() {
        let ips: Vec<String> = ip_tokens("The IP 203.0.113.7 has (2001:db8::2), at 12:34:56.")
            .map(|i| i.to_string())
            .collect();
        assert_eq!(ips, ["203.0.113.7", "2001:db8::2"]);
    }

    /// `parse_ip` as it trimmed and cut its token before (`char` patterns).
    fn parse_ip_reference(token: &str) -> Option<IpAddr> {
        let t = token
            .trim_matches(|c: char| matches!(c, '[' | ']' | '(' | ')' | '<' | '>' | ',' | ';'));
        let t = t.strip_suffix('.').unwrap_or(t);
        let t = t
            .strip_prefix("IPv6:")
            .or_else(|| t.strip_prefix("ipv6:"))
            .unwrap_or(t);
        let t = t.split('%').next().unwrap_or(t);
        Some(canonical(t.parse().ok()?))
    }

    proptest::proptest! {
        #[test]
        fn prose_is_cut_into_words_as_str_split_cuts_it(
            text in "([a-c.:0-9()<>\"',]|\\s|\\u{a0}|\\u{2003}|\\u{85}|é|“|”|\\u{fffd}|\\x0b|\\x1c){0,30}"
        ) {
            let expected: Vec<&str> = text
                .split(|c: char| {
                    c.is_whitespace()
                        || !c.is_ascii()
                        || matches!(c, '(' | ')' | '<' | '>' | '"' | '\'' | ',')
                })
                .filter(|w| !w.is_empty())
                .collect();
            let words: Vec<&str> = Words { text: &text, at: 0 }.collect();
            proptest::prop_assert_eq!(words, expected);
        }

        #[test]
        fn address_tokens_are_read_as_before(
            token in "[\\[\\]()<>,;]{0,2}(IPv6:|ipv6:|)(203\\.0\\.113\\.7|::ffff:1\\.2\\.3\\.4|fe80::1%eth0|2001:db8::1|é|1\\.2\\.3)(\\.|)[\\[\\]()<>,;%]{0,2}"
        ) {
            proptest::prop_assert_eq!(parse_ip(&token), parse_ip_reference(&token));
        }
    }
}
