//! The service class of a jail (SPEC §4): a table matched on the jail name,
//! case-insensitively, by known names first and then by the tokens in it.

/// The service classes, in the order SPEC §4 lists them.
pub const SERVICES: [&str; 11] = [
    "ssh", "ftp", "smtp", "imap-pop", "web", "dns", "voip", "db", "rdp-vnc", "recidive", "other",
];

/// Token → service. A jail name is split on anything that is not a letter or
/// digit (`ssh-iptables` → `ssh`, `iptables`), and each token is looked up, by
/// exact match or by prefix for the `*` entries. The first token that matches wins.
const TOKENS: &[(&str, &str)] = &[
    ("ssh", "ssh"),
    ("sshd", "ssh"),
    ("openssh", "ssh"),
    ("dropbear", "ssh"),
    ("ftp", "ftp"),
    ("ftpd", "ftp"),
    ("proftpd", "ftp"),
    ("vsftpd", "ftp"),
    ("pure", "ftp"),
    ("pureftpd", "ftp"),
    ("wuftpd", "ftp"),
    ("gssftpd", "ftp"),
    ("sasl", "smtp"),
    ("postfix", "smtp"),
    ("exim", "smtp"),
    ("exim4", "smtp"),
    ("sendmail", "smtp"),
    ("smtp", "smtp"),
    ("qmail", "smtp"),
    ("couriersmtp", "smtp"),
    ("kerio", "smtp"),
    ("assp", "smtp"),
    ("dovecot", "imap-pop"),
    ("courier", "imap-pop"),
    ("courierauth", "imap-pop"),
    ("courierimap", "imap-pop"),
    ("courierpop", "imap-pop"),
    ("courierpop3", "imap-pop"),
    ("uwimap", "imap-pop"),
    ("perdition", "imap-pop"),
    ("sieve", "imap-pop"),
    ("imapd", "imap-pop"),
    ("imap4", "imap-pop"),
    ("pop3d", "imap-pop"),
    ("cyrus", "imap-pop"),
    ("imap", "imap-pop"),
    ("imaps", "imap-pop"),
    ("pop3", "imap-pop"),
    ("pop", "imap-pop"),
    ("pop3s", "imap-pop"),
    ("apache*", "web"),
    ("nginx*", "web"),
    ("lighttpd*", "web"),
    ("badbots", "web"),
    ("php", "web"),
    ("wordpress", "web"),
    ("wp", "web"),
    ("roundcube", "web"),
    ("http", "web"),
    ("https", "web"),
    ("httpd", "web"),
    ("horde", "web"),
    ("phpmyadmin", "web"),
    ("webmin", "web"),
    ("squid", "web"),
    ("suhosin", "web"),
    ("drupal", "web"),
    ("joomla", "web"),
    ("squirrelmail", "web"),
    ("openwebmail", "web"),
    ("sogo", "web"),
    ("tomcat", "web"),
    ("owncloud", "web"),
    ("nextcloud", "web"),
    // Web applications with stock jails of Fail2Ban 0.10 – 1.x.
    ("groupoffice", "web"),
    ("tine20", "web"),
    ("guacamole", "web"),
    ("froxlor", "web"),
    ("openhab", "web"),
    ("traefik", "web"),
    ("zoneminder", "web"),
    ("gitlab", "web"),
    ("grafana", "web"),
    ("bitwarden", "web"),
    ("centreon", "web"),
    ("directadmin", "web"),
    ("monit", "web"),
    // HTTP proxies, beside squid.
    ("3proxy", "web"),
    ("named*", "dns"),
    ("bind", "dns"),
    ("bind9", "dns"),
    ("nsd", "dns"),
    ("dns", "dns"),
    ("asterisk", "voip"),
    ("sip", "voip"),
    ("freeswitch", "voip"),
    ("voip", "voip"),
    ("murmur", "voip"),
    ("mysql*", "db"),
    ("mysqld", "db"),
    ("postgres*", "db"),
    ("mssql", "db"),
    ("mongodb", "db"),
    ("rdp", "rdp-vnc"),
    ("vnc", "rdp-vnc"),
    ("xrdp", "rdp-vnc"),
    ("screensharingd", "rdp-vnc"),
    ("recidive", "recidive"),
];

/// Tokens of servers of several protocols: their service holds only when no
/// other token of the name says which one (`courier-smtp` is smtp).
const BROAD: &[&str] = &["courier"];

/// The service class of `jail`; `other` when nothing in the table matches.
pub fn service_of(jail: &str) -> &'static str {
    let mut broad = None;
    // Tokens are ASCII letters and digits, compared in any case (no copy).
    for token in jail
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty())
    {
        let Some(service) = token_service(token.as_bytes()) else {
            continue;
        };
        if BROAD.iter().any(|b| token.eq_ignore_ascii_case(b)) {
            broad.get_or_insert(service);
        } else {
            return service;
        }
    }
    broad.unwrap_or("other")
}

/// The service of the first entry of [`TOKENS`] that `token` matches.
fn token_service(token: &[u8]) -> Option<&'static str> {
    TOKENS.iter().find_map(|(pattern, service)| {
        let hit = match pattern.strip_suffix('*') {
            Some(prefix) => token
                .get(..prefix.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes())),
            None => token.eq_ignore_ascii_case(pattern.as_bytes()),
        };
        hit.then_some(*service)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_examples_map_to_their_services() {
        let cases = [
            ("ssh", "ssh"),
            ("SSH", "ssh"),
            ("sshd", "ssh"),
            ("ssh-iptables", "ssh"),
            ("ssh-ddos", "ssh"),
            ("SSH,IPFW", "ssh"),
            ("proftpd", "ftp"),
            ("VSFTPD", "ftp"),
            ("pure-ftpd", "ftp"),
            ("wuftpd", "ftp"),
            ("sasl", "smtp"),
            ("postfix", "smtp"),
            ("exim", "smtp"),
            ("sendmail", "smtp"),
            ("postfix-sasl", "smtp"),
            ("dovecot", "imap-pop"),
            ("courier", "imap-pop"),
            ("cyrus", "imap-pop"),
            ("imap", "imap-pop"),
            ("pop3", "imap-pop"),
            ("apache-auth", "web"),
            ("apache-badbots", "web"),
            ("nginx-http-auth", "web"),
            ("lighttpd-fastcgi", "web"),
            ("BadBots", "web"),
            ("php-url-fopen", "web"),
            ("wordpress", "web"),
            ("roundcube", "web"),
            ("named-refused", "dns"),
            ("bind", "dns"),
            ("asterisk", "voip"),
            ("sip", "voip"),
            ("freeswitch", "voip"),
            ("mysqld-auth", "db"),
            ("recidive", "recidive"),
            ("my-custom-jail", "other"),
            // Default jails of Fail2Ban 0.8/0.9 beyond the SPEC's examples.
            ("couriersmtp", "smtp"),
            ("courierauth", "imap-pop"),
            ("uwimap-auth", "imap-pop"),
            ("solid-pop3d", "imap-pop"),
            ("perdition", "imap-pop"),
            ("sieve", "imap-pop"),
            ("gssftpd", "ftp"),
            ("squid", "web"),
            ("suhosin", "web"),
            ("drupal-auth", "web"),
            ("squirrelmail", "web"),
            ("sogo-auth", "web"),
            ("nsd", "dns"),
            ("bind9", "dns"),
            ("kerio", "smtp"),
            // Stock jails of Fail2Ban 0.10 – 1.x.
            ("courier-smtp", "smtp"),
            ("courier-auth", "imap-pop"),
            ("assp", "smtp"),
            ("groupoffice", "web"),
            ("tine20", "web"),
            ("guacamole", "web"),
            ("froxlor-auth", "web"),
            ("openhab-auth", "web"),
            ("traefik-auth", "web"),
            ("zoneminder", "web"),
            ("gitlab", "web"),
            ("grafana", "web"),
            ("bitwarden", "web"),
            ("centreon", "web"),
            ("directadmin", "web"),
            ("monit", "web"),
            ("3proxy", "web"),
            ("haproxy-http-auth", "web"),
            ("screensharingd", "rdp-vnc"),
            ("murmur", "voip"),
            ("domino-smtp", "smtp"),
            ("selinux-ssh", "ssh"),
            ("pass2allow-ftp", "ftp"),
            ("slapd", "other"),
        ];
        for (jail, service) in cases {
            assert_eq!(service_of(jail), service, "{jail}");
            assert!(SERVICES.contains(&service));
        }
    }

    proptest::proptest! {
        /// The same as matching the lower-cased name (as it was done before).
        #[test]
        fn case_does_not_matter(jail in "(SSH|Apache|mySQL|Named|Courier|smtp|x|-|_|,|1|é|İ| ){0,5}") {
            let lower = jail.to_ascii_lowercase();
            let services: Vec<(&str, &str)> = lower
                .split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|t| !t.is_empty())
                .filter_map(|token| {
                    TOKENS.iter().find_map(|(pattern, service)| {
                        let hit = match pattern.strip_suffix('*') {
                            Some(prefix) => token.starts_with(prefix),
                            None => token == *pattern,
                        };
                        hit.then_some((token, *service))
                    })
                })
                .collect();
            let expected = services
                .iter()
                .find(|(token, _)| !BROAD.contains(token))
                .or(services.first())
                .map_or("other", |(_, service)| *service);
            proptest::prop_assert_eq!(service_of(&jail), expected);
        }
    }
}
