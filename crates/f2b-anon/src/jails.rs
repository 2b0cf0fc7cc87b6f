//! The well-known jail names: the only `jail` values f2b-anon releases.
//!
//! A jail name is chosen by the server's administrator and can name the
//! server, a customer or an internal service (`apache-intranet-acme`). Only the
//! names that ship with Fail2Ban (0.8 to 1.x: the `jail.conf` sections, the
//! Debian `jail.conf` sections, and the `name=` values of their stock actions,
//! which are what report subjects show: `SSH`, `ProFTPD`, `BadBots`,
//! `SSH,IPFW`...) and the generic service words of SPEC §4 are released; any
//! other name is withheld. Matching is ASCII case-insensitive; the released
//! name is the lower-case entry of this table (`SSH` → `ssh`).

/// The table, lower-case and sorted (checked by a test), for binary search.
pub const WELL_KNOWN: &[&str] = &[
    "3proxy",
    "apache",
    "apache-auth",
    "apache-badbots",
    "apache-botsearch",
    "apache-common",
    "apache-fakegooglebot",
    "apache-modsecurity",
    "apache-multiport",
    "apache-nohome",
    "apache-noscript",
    "apache-overflows",
    "apache-pass",
    "apache-shellshock",
    "apache-shorewall",
    "apache-tcpwrapper",
    "assp",
    "asterisk",
    "asterisk-tcp",
    "asterisk-udp",
    "badbots",
    "bind",
    "bitwarden",
    "centreon",
    "counter-strike",
    "courier",
    "courier-auth",
    "courier-smtp",
    "courierauth",
    "courierlogin",
    "couriersmtp",
    "cyrus",
    "cyrus-imap",
    "dante",
    "directadmin",
    "domino-smtp",
    "dovecot",
    "dovecot-auth",
    "dropbear",
    "drupal-auth",
    "ejabberd",
    "ejabberd-auth",
    "exim",
    "exim-spam",
    "freeswitch",
    "freeswitch-tcp",
    "freeswitch-udp",
    "froxlor-auth",
    "gitlab",
    "grafana",
    "groupoffice",
    "gssftpd",
    "gssftpd-iptables",
    "guacamole",
    "haproxy-http-auth",
    "horde",
    "imap",
    "kerio",
    "lighttpd",
    "lighttpd-auth",
    "lighttpd-fastcgi",
    "mongodb-auth",
    "monit",
    "monitorix",
    "mssql-auth",
    "murmur",
    "mysql",
    "mysqld-auth",
    "mysqld-iptables",
    "mysqld-syslog",
    "nagios",
    "named",
    "named-refused",
    "named-refused-tcp",
    "named-refused-udp",
    "nginx",
    "nginx-bad-request",
    "nginx-botsearch",
    "nginx-forbidden",
    "nginx-http-auth",
    "nginx-limit-req",
    "nsd",
    "nsd-tcp",
    "nsd-udp",
    "openhab-auth",
    "openwebmail",
    "oracleims",
    "osx-ssh-afctl",
    "osx-ssh-ipfw",
    "pam",
    "pam-generic",
    "pass2allow-ftp",
    "perdition",
    "php-url-fopen",
    "php-url-open",
    "phpmyadmin-syslog",
    "pop3",
    "portsentry",
    "postfix",
    "postfix-rbl",
    "postfix-sasl",
    "postfix-tcpwrapper",
    "proftpd",
    "proftpd-iptables",
    "pure-ftpd",
    "pureftpd",
    "qmail-rbl",
    "recidive",
    "roundcube",
    "roundcube-auth",
    "roundcube-iptables",
    "sasl",
    "sasl-iptables",
    "scanlogd",
    "screensharingd",
    "selinux-ssh",
    "sendmail",
    "sendmail-auth",
    "sendmail-reject",
    "sieve",
    "sip",
    "slapd",
    "softethervpn",
    "sogo",
    "sogo-auth",
    "sogo-iptables",
    "solid-pop3",
    "solid-pop3d",
    "squid",
    "squirrelmail",
    "ssh",
    "ssh,ipfw",
    "ssh-apf",
    "ssh-blocklist",
    "ssh-bsd-ipfw",
    "ssh-ddos",
    "ssh-ipfw",
    "ssh-iptables",
    "ssh-iptables-ipset4",
    "ssh-iptables-ipset6",
    "ssh-pf",
    "ssh-route",
    "ssh-tcpwrapper",
    "sshd",
    "sshd-ddos",
    "sshddos",
    "stunnel",
    "suhosin",
    "tine20",
    "traefik-auth",
    "uwimap-auth",
    "vsftpd",
    "vsftpd-iptables",
    "vsftpd-notification",
    "webmin",
    "webmin-auth",
    "wordpress",
    "wuftpd",
    "xinetd",
    "xinetd-fail",
    "zoneminder",
];

/// The longest name in the table, in bytes.
const LONGEST: usize = 24;

/// The canonical (lower-case) well-known name matching `name`, if there is one.
pub fn well_known(name: &str) -> Option<&'static str> {
    let bytes = name.as_bytes();
    if bytes.is_empty() || bytes.len() > LONGEST || !bytes.is_ascii() {
        return None;
    }
    let mut buf = [0u8; LONGEST];
    let lower = &mut buf[..bytes.len()];
    lower.copy_from_slice(bytes);
    lower.make_ascii_lowercase();
    let lower = std::str::from_utf8(lower).ok()?;
    WELL_KNOWN.binary_search(&lower).ok().map(|i| WELL_KNOWN[i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_unique_lower_case_and_plain() {
        assert!(WELL_KNOWN.windows(2).all(|w| w[0] < w[1]));
        for name in WELL_KNOWN {
            assert!(name.len() <= LONGEST, "{name}");
            assert!(
                name.bytes().all(|b| b.is_ascii_lowercase()
                    || b.is_ascii_digit()
                    || b == b'-'
                    || b == b','),
                "{name}"
            );
        }
    }

    #[test]
    fn stock_names_match_case_insensitively_and_come_out_canonical() {
        assert_eq!(well_known("SSH"), Some("ssh"));
        assert_eq!(well_known("ssh-iptables"), Some("ssh-iptables"));
        assert_eq!(well_known("ProFTPD"), Some("proftpd"));
        assert_eq!(well_known("BadBots"), Some("badbots"));
        assert_eq!(well_known("SSH,IPFW"), Some("ssh,ipfw"));
        assert_eq!(well_known("postfix-sasl"), Some("postfix-sasl"));
    }

    #[test]
    fn custom_and_hostile_names_are_not_well_known() {
        for name in [
            "",
            "apache-intranet-acme",
            "sshd-mail.example.com",
            "ssh 192.0.2.1",
            "ſsh",
            "ssh\n",
            "a-very-long-jail-name-that-is-longer-than-any",
        ] {
            assert_eq!(well_known(name), None, "{name:?}");
        }
    }
}
