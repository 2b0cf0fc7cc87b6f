//! The address a stage looks an IP address up by.

use std::net::{IpAddr, Ipv4Addr};

/// The address to look `ip` up by: IPv4-mapped IPv6 (`::ffff:a.b.c.d`) is
/// its IPv4 address; a Teredo address (2001::/32) is its client's public
/// IPv4 address, which its last 32 bits hold inverted (RFC 4380). (The
/// databases map Teredo onto the Teredo *server*'s address, bits 32–63:
/// every Teredo attacker would be Microsoft's relay in Redmond.) Any other
/// address is unchanged.
pub fn lookup_form(ip: IpAddr) -> IpAddr {
    let IpAddr::V6(v6) = ip else {
        return ip;
    };
    if let Some(v4) = v6.to_ipv4_mapped() {
        return IpAddr::V4(v4);
    }
    let bits = u128::from(v6);
    if bits >> 96 == 0x2001_0000 {
        return IpAddr::V4(Ipv4Addr::from(!(bits as u32)));
    }
    ip
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapped_and_teredo_addresses_are_looked_up_as_ipv4() {
        let form = |t: &str| lookup_form(t.parse().unwrap()).to_string();
        assert_eq!(form("::ffff:61.147.12.134"), "61.147.12.134");
        // RFC 4380's example: client 192.0.2.45 behind the server 65.54.227.120.
        assert_eq!(form("2001:0:4136:e378:8000:63bf:3fff:fdd2"), "192.0.2.45");
        assert_eq!(form("2001:db8::1"), "2001:db8::1");
        assert_eq!(form("203.0.113.7"), "203.0.113.7");
    }
}
