//! Keyed pseudonyms: `reporter_id` and `attacker_id`.
//!
//! A pseudonym is the first 8 bytes (16 lower-case hex characters, 64 bits) of
//! HMAC-SHA-256(key, label ‖ canonical value). Under one key the same server or
//! address always gets the same pseudonym, so a dataset can still count
//! distinct attackers and reporters and follow one across days; without the
//! key nobody can compute a pseudonym for a guessed address (the IPv4 space is
//! small enough to try exhaustively against an unkeyed hash), and two datasets
//! released under different keys cannot be linked.
//!
//! The labels separate the three kinds of input, so that an address used as
//! a reporter and as an attacker gets two unrelated pseudonyms:
//! - `attacker_id`: `f2b-anon/v1/attacker_id/ip` ‖ 0x00 ‖ `ip`;
//! - `reporter_id`: `f2b-anon/v1/reporter_id/host` ‖ 0x00 ‖ `reporter_host`
//!   when there is one, else `f2b-anon/v1/reporter_id/ip` ‖ 0x00 ‖ `reporter_ip`.
//!
//! Canonical values: addresses are parsed and written back in their canonical
//! text form (an IPv4-mapped IPv6 address is the IPv4 address; IPv6 is RFC 5952
//! lower-case compressed), host names are ASCII lower-cased without a final
//! dot. A value that is not an address is no pseudonym (`null`).

use std::fmt;
use std::fs::File;
use std::io::{Read, Write};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use f2b_core::{Error, Result};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The environment variable naming the key file when `--key-file` is not given.
pub const KEY_FILE_ENV: &str = "F2B_ANON_KEY_FILE";

/// The shortest key accepted, in bytes.
pub const MIN_KEY_BYTES: usize = 16;

/// The fewest different byte values a key must hold.
pub const MIN_KEY_DISTINCT: usize = 5;

/// The longest key file read, in bytes (so that `/dev/urandom` is an error,
/// not an endless read).
pub const MAX_KEY_BYTES: usize = 64 * 1024;

/// A secret key: the raw bytes of the key file. Never printed.
pub struct Key(Vec<u8>);

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Key(<secret>)")
    }
}

impl Key {
    /// The key from raw bytes; at least [`MIN_KEY_BYTES`].
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Key, String> {
        if bytes.len() < MIN_KEY_BYTES {
            return Err(format!(
                "holds {} bytes; a key needs at least {MIN_KEY_BYTES} \
                 (make one with: head -c 32 /dev/urandom > FILE)",
                bytes.len()
            ));
        }
        if bytes.len() > MAX_KEY_BYTES {
            return Err(format!(
                "is larger than {MAX_KEY_BYTES} bytes; a key file holds the key only"
            ));
        }
        // Random bytes are nearly all different: 16 of them, even drawn from
        // the 16 characters of hex, take fewer than 5 values with a
        // probability below 10^-6. Fewer is a made-up key (`aaaa…`, `abab…`)
        // that a dictionary finds from one known address.
        let mut seen = [false; 256];
        bytes.iter().for_each(|&b| seen[usize::from(b)] = true);
        let distinct = seen.iter().filter(|&&s| s).count();
        if distinct < MIN_KEY_DISTINCT {
            return Err(format!(
                "holds only {distinct} different byte values: not a random key \
                 (make one with: head -c 32 /dev/urandom > FILE)"
            ));
        }
        Ok(Key(bytes))
    }

    /// Reads the key file: every byte of it is the key, as is (a final newline
    /// is part of the key).
    pub fn read(path: &Path) -> Result<Key> {
        let name = path.display();
        let file =
            File::open(path).map_err(|e| Error::io(format!("cannot open key file {name}"), e))?;
        let mut bytes = Vec::with_capacity(64);
        file.take(MAX_KEY_BYTES as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io(format!("cannot read key file {name}"), e))?;
        Key::from_bytes(bytes).map_err(|why| Error::data(format!("key file {name} {why}")))
    }

    /// The key file to use: `--key-file`, else `$F2B_ANON_KEY_FILE` (unset or
    /// empty means none).
    pub fn locate(option: Option<&Path>) -> Option<PathBuf> {
        match option {
            Some(p) => Some(p.to_path_buf()),
            None => std::env::var_os(KEY_FILE_ENV)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
        }
    }
}

/// A 64-bit keyed pseudonym, written as 16 lower-case hex characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Pseudonym(u64);

impl Pseudonym {
    /// Appends the 16 hex characters.
    pub fn write(self, out: &mut Vec<u8>) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        for i in (0..16).rev() {
            out.push(HEX[((self.0 >> (i * 4)) & 0xf) as usize]);
        }
    }
}

impl fmt::Display for Pseudonym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

const ATTACKER_IP: &[u8] = b"f2b-anon/v1/attacker_id/ip\0";
const REPORTER_HOST: &[u8] = b"f2b-anon/v1/reporter_id/host\0";
const REPORTER_IP: &[u8] = b"f2b-anon/v1/reporter_id/ip\0";

/// Computes pseudonyms under one key.
pub struct Pseudonymizer {
    /// The MAC with the key already absorbed; cloned for every pseudonym.
    keyed: Hmac<Sha256>,
    scratch: Vec<u8>,
}

impl Pseudonymizer {
    /// A pseudonymizer under `key`.
    pub fn new(key: &Key) -> Pseudonymizer {
        // HMAC takes keys of any length; this cannot fail.
        let keyed = <Hmac<Sha256> as Mac>::new_from_slice(&key.0)
            .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
        Pseudonymizer {
            keyed,
            scratch: Vec::with_capacity(64),
        }
    }

    fn mac(&self, label: &[u8], value: &[u8]) -> Pseudonym {
        let mut mac = self.keyed.clone();
        mac.update(label);
        mac.update(value);
        let tag = mac.finalize().into_bytes();
        let mut first = [0u8; 8];
        first.copy_from_slice(&tag[..8]);
        Pseudonym(u64::from_be_bytes(first))
    }

    fn canonical_ip(&mut self, ip: &str) -> bool {
        let Ok(addr) = ip.trim().parse::<IpAddr>() else {
            return false;
        };
        self.scratch.clear();
        // Writing to a Vec cannot fail.
        let _ = write!(self.scratch, "{}", addr.to_canonical());
        true
    }

    /// The `attacker_id` of the banned address `ip`; `None` when `ip` is not an
    /// address.
    pub fn attacker(&mut self, ip: &str) -> Option<Pseudonym> {
        if !self.canonical_ip(ip) {
            return None;
        }
        Some(self.mac(ATTACKER_IP, &self.scratch))
    }

    /// The `reporter_id` of a reporting server: by its host name when there is
    /// one, else by its address.
    pub fn reporter(&mut self, host: Option<&str>, ip: Option<&str>) -> Option<Pseudonym> {
        let host = host.map(|h| {
            let h = h.trim();
            h.strip_suffix('.').unwrap_or(h)
        });
        if let Some(host) = host.filter(|h| !h.is_empty()) {
            self.scratch.clear();
            self.scratch.extend_from_slice(host.as_bytes());
            self.scratch.make_ascii_lowercase();
            return Some(self.mac(REPORTER_HOST, &self.scratch));
        }
        if !self.canonical_ip(ip?) {
            return None;
        }
        Some(self.mac(REPORTER_IP, &self.scratch))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> Key {
        Key::from_bytes(
            (0..32u8)
                .map(|i| byte.wrapping_add(i.wrapping_mul(7)))
                .collect(),
        )
        .unwrap()
    }

    #[test]
    fn pseudonyms_are_stable_under_one_key_and_differ_under_another() {
        let mut a = Pseudonymizer::new(&key(1));
        let mut a2 = Pseudonymizer::new(&key(1));
        let mut b = Pseudonymizer::new(&key(2));
        let x = a.attacker("192.0.2.1").unwrap();
        assert_eq!(a2.attacker("192.0.2.1"), Some(x));
        assert_ne!(b.attacker("192.0.2.1"), Some(x));
        assert_ne!(a.attacker("192.0.2.2"), Some(x));
        assert_eq!(x.to_string().len(), 16);
        let mut hex = Vec::new();
        x.write(&mut hex);
        assert_eq!(hex, x.to_string().into_bytes());
    }

    #[test]
    fn equal_addresses_in_other_spellings_get_one_pseudonym() {
        let mut p = Pseudonymizer::new(&key(1));
        let v4 = p.attacker("192.0.2.1");
        assert_eq!(p.attacker("::ffff:192.0.2.1"), v4);
        assert_eq!(p.attacker(" 192.0.2.1 "), v4);
        let v6 = p.attacker("2001:db8::1");
        assert_eq!(p.attacker("2001:0DB8:0:0:0:0:0:1"), v6);
        assert_eq!(p.attacker("not an address"), None);
        assert_eq!(
            p.reporter(Some("Mail.Example.ORG."), None),
            p.reporter(Some("mail.example.org"), Some("198.51.100.1"))
        );
    }

    #[test]
    fn the_same_address_as_attacker_and_reporter_is_unlinkable() {
        let mut p = Pseudonymizer::new(&key(1));
        let attacker = p.attacker("192.0.2.1");
        let reporter = p.reporter(None, Some("192.0.2.1"));
        assert!(attacker.is_some() && reporter.is_some());
        assert_ne!(attacker, reporter);
        assert_ne!(p.reporter(Some("192.0.2.1"), None), reporter);
        assert_eq!(p.reporter(Some(""), Some("192.0.2.1")), reporter);
        assert_eq!(p.reporter(None, None), None);
    }

    #[test]
    fn made_up_keys_are_refused_without_showing_them() {
        for weak in [
            vec![b'a'; 16],
            b"abababababababab".to_vec(),
            b"aaaabbbbccccdddd".to_vec(),
        ] {
            let err = Key::from_bytes(weak.clone()).unwrap_err();
            assert!(err.contains("not a random key"), "{err}");
            assert!(!err.contains(std::str::from_utf8(&weak).unwrap()), "{err}");
        }
        assert!(Key::from_bytes(b"0123456789abcdef".to_vec()).is_ok());
    }

    #[test]
    fn short_keys_are_refused_without_showing_them() {
        let err = Key::from_bytes(b"hunter2".to_vec()).unwrap_err();
        assert!(err.contains("7 bytes"), "{err}");
        assert!(!err.contains("hunter2"));
        assert_eq!(format!("{:?}", key(b'k')), "Key(<secret>)");
    }
}
